"""Cameras in the deployment description.

Each camera belongs to a center (by 行政区划 code) and has a sub-stream (tiles, analytics)
and a main stream (focus view, evidence). URLs may carry credentials; they are secrets and
never leave the process in clear (see ``streams.redact``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.gathering import GatheringConfig
from config.ptz import PtzConfig
from config.streams import StrictModel


class MotionZone(StrictModel):
    """A rectangle of the picture, in fractions of its width and height, watched for motion."""

    name: str = Field(min_length=1, max_length=64, title="Zone name shown in alerts")
    x: float = Field(ge=0, lt=1, title="Left edge, fraction of the width")
    y: float = Field(ge=0, lt=1, title="Top edge, fraction of the height")
    w: float = Field(gt=0, le=1, title="Width, fraction of the picture width")
    h: float = Field(gt=0, le=1, title="Height, fraction of the picture height")

    @model_validator(mode="after")
    def _inside_picture(self) -> MotionZone:
        if self.x + self.w > 1.0001 or self.y + self.h > 1.0001:
            raise ValueError(f"zone {self.name!r} extends past the picture edge")
        return self


class CameraConfig(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", title="Camera id, used in URLs")
    name: str = Field(min_length=1, max_length=100, title="Display name")
    center: str = Field(pattern=r"^[0-9]{6,12}$", title="行政区划 code of the owning center")
    grid: str | None = Field(None, title="Grid code the camera watches, if any")
    sub_url: str = Field(
        min_length=1, title="Sub-stream URL (rtsp://, http://, file path, sim:// or whip:)"
    )
    main_url: str | None = Field(None, title="Main-stream URL; defaults to the sub-stream")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    enabled: bool = True
    fps: float | None = Field(
        None, gt=0, le=120, title="Expected frame rate; measured from the stream when unset"
    )
    motion_zones: list[MotionZone] = Field(
        default_factory=list, title="Zones where motion raises a tamper/intrusion event"
    )
    tamper: bool = Field(True, title="Run tamper checks on this camera's sub-stream")
    rtsp_transport: Literal["tcp", "udp", "auto"] = Field(
        "tcp", title="RTSP transport: tcp (interleaved), udp, or auto (FFmpeg tries UDP, then TCP)"
    )
    important: bool = Field(
        False, title="Important (重点) camera: its offline alert opens as critical and escalates"
    )
    ptz: PtzConfig | None = Field(None, title="PTZ through ONVIF; absent: a fixed camera")
    gathering: GatheringConfig | None = Field(
        None, title="Count people in zones of the sub-stream and alert on gatherings (聚集)"
    )
