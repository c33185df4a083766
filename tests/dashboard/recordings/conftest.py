"""The stamped RTSP camera of the recording tests, here too."""

from __future__ import annotations

from tests.streams.record.conftest import stamped_camera

__all__ = ["stamped_camera"]
