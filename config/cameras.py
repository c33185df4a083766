"""Cameras in the deployment description.

Each camera belongs to a center (by 行政区划 code) and has a sub-stream (tiles, analytics)
and a main stream (focus view, evidence). URLs may carry credentials; they are secrets and
never leave the process in clear (see ``streams.redact``).
"""

from __future__ import annotations

from pydantic import Field

from config.streams import StrictModel


class CameraConfig(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", title="Camera id, used in URLs")
    name: str = Field(min_length=1, max_length=100, title="Display name")
    center: str = Field(pattern=r"^[0-9]{6,12}$", title="行政区划 code of the owning center")
    grid: str | None = Field(None, title="Grid code the camera watches, if any")
    sub_url: str = Field(min_length=1, title="Sub-stream URL (rtsp://, http://, file path or sim://)")
    main_url: str | None = Field(None, title="Main-stream URL; defaults to the sub-stream")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    enabled: bool = True
