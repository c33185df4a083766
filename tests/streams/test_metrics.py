"""The /metrics page, fetched over real HTTP and read with prometheus_client's own parser."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prometheus_client.core import CounterMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from streams import metrics
from streams.hub import StreamHub
from tests.streams.conftest import LiveServer, camera
from tests.streams.mjpeg_client import MjpegClient
from tests.streams.test_rtsp import wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base: str) -> tuple[httpx.Response, Samples, dict[str, str]]:
    answer = httpx.get(f"{base}/metrics", timeout=10)
    assert answer.status_code == 200
    samples: Samples = {}
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(answer.text):  # raises on malformed text
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return answer, samples, types


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def test_metrics_report_each_camera(make_hub: Callable[..., StreamHub],
                                    live_server: Callable[..., LiveServer]) -> None:
    hub = make_hub([camera("m1", "sim://?w=320&h=180&fps=10"),
                    camera("m2", "rtsp://127.0.0.1:1/none")])
    server = live_server(hub)
    viewer = MjpegClient(server.port, "/streams/m1.mjpg")
    viewer.start()
    wait_for(lambda: len(viewer.frames) >= 5, 15, "frames")
    wait_for(lambda: hub.camera("m2").sub.meter.reconnects_total >= 1, 15, "a reconnect")
    answer, values, types = scrape(server.base)
    viewer.stop_event.set()
    viewer.join(10)
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    sub = {"camera": "m1", "center": "532622", "stream": "sub"}
    down = {"camera": "m2", "center": "532622", "stream": "sub"}
    assert values[key("zongzhi_camera_fps_in", **sub)] > 0
    assert values[key("zongzhi_camera_encoded_frames_total", **sub)] >= 5
    assert values[key("zongzhi_camera_encode_seconds_total", **sub)] > 0
    assert values[key("zongzhi_camera_viewers", **sub)] == 1
    assert values[key("zongzhi_camera_status", camera="m1", center="532622", status="online")] == 1
    assert values[key("zongzhi_camera_status", camera="m2", center="532622", status="offline")] == 1
    assert values[key("zongzhi_camera_reconnects_total", **down)] >= 1
    assert key("zongzhi_camera_stalls_total", **down) in values
    for name in ("reconnects", "stalls", "frames", "skipped_frames", "decoded_frames"):
        assert types[f"zongzhi_camera_{name}"] == "counter"
    for name in ("fps_out", "last_frame_age_seconds"):
        assert key(f"zongzhi_camera_{name}", **sub) in values
    # No sentinel for what is unknown: a camera without a frame has no age at all.
    assert key("zongzhi_camera_last_frame_age_seconds", **down) not in values
    assert all(v >= 0 for v in values.values())
    # The library's process metrics.
    assert values[key("process_cpu_seconds_total")] > 0
    assert values[key("process_resident_memory_bytes")] > 0
    assert types["zongzhi_webrtc_sessions"] == "gauge"


def test_a_counted_stall_is_a_counter_that_only_grows(make_hub: Callable[..., StreamHub],
                                                      live_server: Callable[..., LiveServer],
                                                      rtsp_server: Callable[..., object]) -> None:
    from tests.streams.conftest import RtspServer

    rtsp = rtsp_server()
    assert isinstance(rtsp, RtspServer)
    hub = make_hub([camera("s1", rtsp.url())])
    server = live_server(hub)
    labels = {"camera": "s1", "center": "532622", "stream": "sub"}
    wait_for(lambda: hub.camera("s1").sub.meter.frames_in > 5, 15, "frames")
    rtsp.kill()
    wait_for(lambda: hub.camera("s1").sub.meter.stalls_total == 1, 10, "a stall")
    _, first, _ = scrape(server.base)
    assert first[key("zongzhi_camera_stalls_total", **labels)] == 1
    rtsp.start()
    resumed = hub.camera("s1").sub.meter.frames_in
    wait_for(lambda: hub.camera("s1").sub.meter.frames_in > resumed + 5, 20, "back")
    _, second, _ = scrape(server.base)
    assert second[key("zongzhi_camera_stalls_total", **labels)] == 1
    assert second[key("zongzhi_camera_reconnects_total", **labels)] >= 1
    assert second[key("zongzhi_camera_frames_total", **labels)] > first[key("zongzhi_camera_frames_total", **labels)]


class OpenAlerts(Collector):
    """What the product adds per request: here a fixed count, to see it reach the page."""

    def collect(self):  # type: ignore[no-untyped-def]
        family = CounterMetricFamily("zongzhi_test_extra", "extra collector", labels=["who"])
        family.add_metric(["caller"], 3)
        yield family


def test_recording_gauges_and_extra_collectors_reach_the_page_for_visible_cameras(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([camera("seen", "sim://?w=160&h=90&fps=5"),
                    camera("hidden", "sim://?w=160&h=90&fps=5")])
    server = live_server(hub, visible=lambda request: {"seen"},
                         extra_metrics=lambda request: [OpenAlerts()])
    metrics.RECORDING_SEGMENTS_BEHIND.labels(camera="seen").set(2)
    metrics.RECORDING_SEGMENTS_BEHIND.labels(camera="hidden").set(5)
    metrics.RECORDING_DISK_BYTES.labels(path="/srv/rec").set(1234)
    try:
        answer, values, _ = scrape(server.base)
    finally:
        metrics.RECORDING_SEGMENTS_BEHIND.remove("seen")
        metrics.RECORDING_SEGMENTS_BEHIND.remove("hidden")
        metrics.RECORDING_DISK_BYTES.remove("/srv/rec")
    assert values[key("zongzhi_recording_segments_behind", camera="seen")] == 2
    assert 'camera="hidden"' not in answer.text, "another subtree's cameras stay hidden"
    assert values[key("zongzhi_recording_disk_used_bytes", path="/srv/rec")] == 1234
    assert values[key("zongzhi_test_extra_total", who="caller")] == 3
