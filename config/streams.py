"""Settings of the media side: ICE servers for WebRTC, stream defaults, watchdog and tamper."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
    reconnect_max: float = Field(60.0, gt=0, title="Longest reconnect delay in seconds")
    watchdog_interval: float = Field(0.25, gt=0, le=5, title="Seconds between watchdog checks")
    file_realtime: bool = Field(
        True, title="Play video files at their own frame rate (False: as fast as they decode)"
    )
    tamper: TamperSettings = Field(default_factory=TamperSettings)
