"""Settings of the media side: ICE servers for WebRTC, stream defaults, watchdog and tamper."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class IceServer(StrictModel):
    urls: list[str] = Field(title="ICE server URLs", description="stun: or turn: URLs on the intranet")
    username: str | None = None
    credential: str | None = None


class TamperSettings(StrictModel):
    """Thresholds of the tamper checks run on every sub-stream (on a small grey picture)."""

    enabled: bool = Field(True, title="Run tamper checks on sub-streams")
    max_fps: float = Field(
        5.0, gt=0, le=60, title="Analyse at most this many pictures per second per camera"
    )
    analysis_width: int = Field(160, ge=32, le=640, title="Width of the grey picture analysed")
    black_luma: float = Field(
        20.0, ge=0, le=255, title="Mean luma below which the picture counts as black"
    )
    frozen_diff: float = Field(
        6.0, ge=0, le=255, title="Per-pixel luma change that counts as a changed pixel"
    )
    frozen_share: float = Field(
        0.0005, ge=0, le=1,
        title="Share of changed pixels below which the picture counts as frozen",
        description="Small on purpose: a small object moving on a still scene is not frozen",
    )
    blur_variance: float = Field(
        25.0, ge=0, title="Laplacian variance below which the picture counts as heavily blurred"
    )
    motion_diff: float = Field(
        25.0, ge=1, le=255, title="Per-pixel luma change that counts as motion"
    )
    motion_area: float = Field(
        0.02, gt=0, le=1, title="Share of a zone's pixels that must move to raise a motion event"
    )
    hold_seconds: float = Field(
        3.0, ge=0, title="A condition must last this long before it is reported"
    )
    repeat_seconds: float = Field(
        300.0, ge=1, title="A condition still present is reported again after this long"
    )


class WorkerLeases(StrictModel):
    """Stream workers (``zongzhi worker``) sharing the cameras through PostgreSQL leases."""

    lease_seconds: float = Field(
        6.0, ge=1, le=120,
        title="A worker holds a camera this long after its last renewal",
        description="A worker killed outright loses its cameras this long after its last renewal",
    )
    renew_seconds: float = Field(2.0, gt=0, le=60, title="Seconds between a worker's renewals")
    token: str | None = Field(
        None, min_length=16,
        title="Shared secret the app shows a worker when it fetches pictures (Bearer token)",
    )

    @model_validator(mode="after")
    def _renewed_in_time(self) -> WorkerLeases:
        if self.renew_seconds * 2 > self.lease_seconds:
            raise ValueError("renew_seconds must be at most half of lease_seconds")
        return self


class StreamSettings(StrictModel):
    # Empty by default: a government intranet has no public STUN server, and host candidates
    # suffice on one network. Deployments behind NAT configure their own TURN server here.
    ice_servers: list[IceServer] = Field(default_factory=list, title="ICE servers")
    tile_width: int = Field(640, ge=64, le=3840, title="Tile width in pixels for MJPEG tiles")
    main_width: int = Field(
        1920, ge=64, le=7680, title="Largest width of focus-view (main stream) JPEGs"
    )
    jpeg_quality: int = Field(75, ge=10, le=100, title="JPEG quality of tiles and snapshots")
    main_idle_seconds: float = Field(
        15.0, gt=0, title="Close a main stream this long after its last viewer left"
    )
    connect_timeout: float = Field(5.0, gt=0, title="Seconds allowed to open a camera stream")
    read_timeout: float = Field(5.0, gt=0, title="Seconds without data before a read fails")
    stall_min_seconds: float = Field(
        2.0, gt=0, title="A stall is no frame for max(2 frame intervals, this many seconds)"
    )
    reconnect_initial: float = Field(0.5, gt=0, title="First reconnect delay in seconds")
    reconnect_max: float = Field(
        10.0, gt=0, le=300,
        title="Longest reconnect delay in seconds (a camera that is back is live within it)",
    )
    first_status_seconds: float = Field(
        8.0, gt=0, le=120,
        title="A camera without a picture this long after it was added is reported offline",
        description="So a camera down when the product starts raises its alert too",
    )
    recover_seconds: float = Field(
        3.0, ge=0, le=600,
        title="An offline camera is reported back only after this long of steady pictures",
        description="One late packet during a stall does not make it online",
    )
    key_seconds: float = Field(
        3.0, gt=0, le=60,
        title="Nobody needs pictures: decode one keyframe this often for the tamper checks",
    )
    rtsp_reader: Literal["light", "ffmpeg"] = Field(
        "light", title="How RTSP H.264 cameras over TCP are read",
        description="light: every camera's packets on one shared thread (recordings copy "
        "them from there too); ffmpeg: one FFmpeg demuxer per camera",
    )
    watchdog_interval: float = Field(0.25, gt=0, le=5, title="Seconds between watchdog checks")
    file_realtime: bool = Field(
        True, title="Play video files at their own frame rate (False: as fast as they decode)"
    )
    tamper: TamperSettings = Field(default_factory=TamperSettings)
    ingest: Literal["local", "workers"] = Field(
        "local", title="Who pulls the cameras: this process (local) or stream workers (workers)",
        description="workers: `zongzhi worker` processes hold the cameras; the app fetches "
        "their pictures from the owner (PostgreSQL only)",
    )
    workers: WorkerLeases = Field(default_factory=WorkerLeases)
