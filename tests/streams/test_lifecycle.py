"""Cameras that drop and come back, cameras added and removed: nothing may leak."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable

from streams.hub import StreamHub
from tests.streams.conftest import camera, fast_settings
from tests.streams.mjpeg_server import DroppingMjpegServer
from tests.streams.test_rtsp import wait_for


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmRSS:"))
    return int(line.split()[1])


def _hub_side_threads() -> int:
    # The test camera server's per-connection threads come and go; count everything else.
    return sum(1 for t in threading.enumerate() if "process_request" not in t.name)


def _capture_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("capture:")]


def test_hundred_drops_and_reconnects_leak_no_thread_socket_or_memory(
    make_hub: Callable[..., StreamHub],
) -> None:
    settings = fast_settings(reconnect_initial=0.01, reconnect_max=0.05)
    with DroppingMjpegServer(frames_per_connection=2, interval=0.005) as camera_server:
        hub = make_hub([camera("flaky", camera_server.url, tamper=False)], settings)
        stream = hub.camera("flaky").sub
        wait_for(lambda: stream.meter.reconnects_total >= 10, 60, "first reconnects")
        gc.collect()
        threads0, fds0, rss0 = _hub_side_threads(), _fds(), _rss_kb()
        wait_for(lambda: stream.meter.reconnects_total >= 110, 120, "a hundred more reconnects")
        gc.collect()
        assert camera_server.connections >= 110
        assert _hub_side_threads() <= threads0
        assert _capture_threads() == ["capture:flaky"], "one reader, never a second one"
        assert _fds() <= fds0 + 2, "every connection's socket was closed"
        assert _rss_kb() - rss0 < 30_000, "memory stays flat across reconnects"
        assert stream.meter.frames_in >= 100
        health = hub.health()[0]
        assert health.reconnects_last_hour >= 110, health
        assert health.grade == "unusable" and health.status != "online", \
            "a flapping camera is not reported healthy"
    hub.stop_sync()
    assert _capture_threads() == []


def test_cameras_added_and_removed_free_their_threads(make_hub: Callable[..., StreamHub]) -> None:
    hub = make_hub([])
    before = threading.active_count()
    for i in range(20):
        hub.add_camera(camera(f"c{i}", "sim://?w=160&h=90&fps=20"))
    assert len(_capture_threads()) == 20
    wait_for(lambda: all(h.status == "online" for h in hub.health()), 20, "all online")
    for i in range(20):
        hub.remove_camera(f"c{i}")
    assert _capture_threads() == [] and threading.active_count() <= before
    assert hub.health() == []


def test_hub_stop_joins_every_thread(make_hub: Callable[..., StreamHub]) -> None:
    cam = camera("s", "sim://?w=160&h=90&fps=10", main_url="sim://?w=320&h=180&fps=10")
    hub = make_hub([cam])
    hub.snapshot("s", "main")
    assert sorted(_capture_threads()) == ["capture:s", "capture:s:main"]
    hub.stop_sync()
    assert _capture_threads() == []
    assert not any(t.name == "streams:watchdog" for t in threading.enumerate())
