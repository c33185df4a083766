"""The media engine of video sessions: the built-in aiortc room or a Janus server.

::

    [media]
    engine = "janus"                       # "builtin" (default) or "janus"

    [media.janus]
    url = "http://127.0.0.1:8088/janus"    # Janus's HTTP (REST) API
    api_secret = "…"                       # janus.jcfg general.api_secret, if set
    admin_key = "…"                        # the plugins' admin_key, if set (needed to create rooms)

The built-in engine needs nothing else (``zongzhi demo``). With Janus, the product creates,
secures and destroys one VideoRoom room per session and one Streaming mountpoint per camera;
browsers still talk to the product only (see ``docs/media-engine.md``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.streams import StrictModel


class JanusSettings(StrictModel):
    url: str = Field(
        "http://127.0.0.1:8088/janus", title="Janus HTTP API URL",
        description="The REST endpoint (janus.transport.http base_path), on the intranet",
    )
    api_secret: str | None = Field(None, title="Janus api_secret (janus.jcfg general.api_secret)")
    admin_key: str | None = Field(
        None, title="The VideoRoom and Streaming plugins' admin_key",
        description="Required to create rooms and mountpoints when the plugins are so configured",
    )
    request_timeout: float = Field(10.0, gt=0, le=120, title="Seconds allowed per Janus request")
    room_offset: int = Field(
        1_000_000, ge=1, title="VideoRoom room number = this + the session id",
        description="Keeps the product's rooms apart from rooms configured in Janus itself",
    )
    mountpoint_offset: int = Field(
        2_000_000, ge=1, title="First Streaming mountpoint id used for cameras",
    )
    publishers: int = Field(16, ge=2, le=100, title="Most participants publishing in one room")
    bitrate: int = Field(1_000_000, ge=64_000, title="Video bitrate cap per publisher (bit/s)")


class MediaSettings(StrictModel):
    engine: Literal["builtin", "janus"] = Field(
        "builtin", title="Media engine of video sessions",
        description="builtin: aiortc in this process; janus: a Janus server forwards the media",
    )
    janus: JanusSettings = Field(default_factory=JanusSettings)

    @model_validator(mode="after")
    def _janus_url(self) -> MediaSettings:
        if self.engine == "janus" and not self.janus.url.startswith(("http://", "https://")):
            raise ValueError("media.janus.url must be an http:// or https:// URL")
        return self
