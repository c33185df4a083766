"""Settings of the media side: ICE servers for WebRTC and stream defaults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class IceServer(StrictModel):
    urls: list[str] = Field(title="ICE server URLs", description="stun: or turn: URLs on the intranet")
    username: str | None = None
    credential: str | None = None


class StreamSettings(StrictModel):
    # Empty by default: a government intranet has no public STUN server, and host candidates
    # suffice on one network. Deployments behind NAT configure their own TURN server here.
    ice_servers: list[IceServer] = Field(default_factory=list, title="ICE servers")
    tile_width: int = Field(640, ge=64, le=3840, title="Tile width in pixels for MJPEG tiles")
    jpeg_quality: int = Field(75, ge=10, le=100, title="JPEG quality of tiles and snapshots")
    main_idle_seconds: float = Field(
        15.0, gt=0, title="Close a main stream this long after its last viewer left"
    )
