"""The /metrics page in Prometheus text, fetched over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from streams.hub import StreamHub
from tests.streams.conftest import LiveServer, camera
from tests.streams.mjpeg_client import MjpegClient
from tests.streams.test_rtsp import wait_for

SAMPLE = re.compile(r'^([a-z_]+)\{([^}]*)\} (-?[0-9.e+-]+|NaN)$')


def test_metrics_report_each_camera(make_hub: Callable[..., StreamHub],
                                    live_server: Callable[..., LiveServer]) -> None:
    hub = make_hub([camera("m1", "sim://?w=320&h=180&fps=10"),
                    camera("m2", "rtsp://127.0.0.1:1/none")])
    server = live_server(hub)
    viewer = MjpegClient(server.port, "/streams/m1.mjpg")
    viewer.start()
    wait_for(lambda: len(viewer.frames) >= 5, 15, "frames")
    answer = httpx.get(f"{server.base}/metrics", timeout=10)
    viewer.stop_event.set()
    viewer.join(10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    values: dict[tuple[str, str], float] = {}
    for line in answer.text.splitlines():
        if line.startswith("#"):
            assert line.startswith(("# HELP zongzhi_", "# TYPE zongzhi_"))
            continue
        match = SAMPLE.match(line)
        assert match, f"not Prometheus text: {line!r}"
        values[(match[1], match[2])] = float(match[3])
    sub = 'camera="m1",center="532622",stream="sub"'
    assert values[("zongzhi_camera_fps_in", sub)] > 0
    assert values[("zongzhi_camera_encoded_frames_total", sub)] >= 5
    assert values[("zongzhi_camera_encode_seconds_total", sub)] > 0
    assert values[("zongzhi_camera_viewers", sub)] == 1
    assert values[("zongzhi_camera_status", 'camera="m1",center="532622",status="online"')] == 1
    assert values[("zongzhi_camera_status", 'camera="m2",center="532622",status="offline"')] == 1
    assert ("zongzhi_camera_reconnects_total", 'camera="m2",center="532622",stream="sub"') in values
    for name in ("skipped_frames_total", "fps_out", "frames_total", "last_frame_age_seconds"):
        assert (f"zongzhi_camera_{name}", sub) in values
