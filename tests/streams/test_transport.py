"""Per-camera RTSP transport (deployment file ``rtsp_transport``): a UDP-only camera is read
with ``udp`` or ``auto`` and refused with ``tcp``; FFmpeg gets the option as asked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from config.cameras import CameraConfig
from streams.hub import StreamHub
from streams.sources import ffmpeg_options
from tests.streams.conftest import RtspServer, camera, fast_settings
from tests.streams.test_rtsp import wait_for


def test_transport_reaches_ffmpeg_as_configured() -> None:
    s = fast_settings()
    assert ffmpeg_options("rtsp://c/x", s)["rtsp_transport"] == "tcp"
    assert ffmpeg_options("rtsp://c/x", s, "udp")["rtsp_transport"] == "udp"
    assert "rtsp_transport" not in ffmpeg_options("rtsp://c/x", s, "auto")
    with pytest.raises(ValueError, match="rtsp_transport"):
        CameraConfig(id="c", name="c", center="532622", sub_url="rtsp://c/x",
                     rtsp_transport="quic")  # type: ignore[arg-type]


@pytest.mark.rtsp
def test_a_udp_only_camera_is_read_over_udp_and_auto_not_over_tcp(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub]
) -> None:
    server = rtsp_server("--protocols", "udp")
    hub = make_hub([
        camera("udp", server.url(), rtsp_transport="udp"),
        camera("auto", server.url(), rtsp_transport="auto"),
        camera("tcp", server.url(), rtsp_transport="tcp"),
    ], fast_settings(first_status_seconds=3))
    status = lambda: {h.camera_id: h.status for h in hub.health()}  # noqa: E731
    wait_for(lambda: status()["udp"] == "online" and status()["auto"] == "online", 20,
             "UDP and auto cameras online")
    for cid in ("udp", "auto"):
        assert hub.camera(cid).sub.codec == "h264"
        wait_for(lambda c=cid: hub.camera(c).sub.meter.frames_in > 10, 10, f"{cid} frames")
    assert status()["tcp"] == "offline" and hub.camera("tcp").sub.meter.frames_in == 0
    assert hub.camera("tcp").sub.error  # the refusal, shown as the camera's last error
