"""A real GStreamer RTSP server with real H.264: reading, going offline and coming back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from streams.hub import StreamHub
from streams.types import CameraEvent
from tests.streams.conftest import RtspServer, camera

pytestmark = pytest.mark.rtsp


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_hub_reads_real_h264_over_rtsp(rtsp_server: Callable[..., RtspServer],
                                       make_hub: Callable[..., StreamHub]) -> None:
    server = rtsp_server()
    hub = make_hub([camera("rtsp1", server.url())])
    wait_for(lambda: hub.health()[0].status == "online", 15, "camera online")
    stream = hub.camera("rtsp1").sub
    assert stream.codec == "h264"
    assert stream.passthrough, "RTSP H.264 is Annex B: WebRTC viewers can take it as-is"
    jpeg = hub.snapshot("rtsp1")
    assert jpeg is not None
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (360, 640, 3)
    # The rate needs three arrivals: a camera opened fast may have its snapshot before that.
    wait_for(lambda: hub.health()[0].fps_in > 0, 5, "a measured frame rate")
    health = hub.health()[0]
    assert health.expected_fps == 10
    assert health.fps_in > 0 and health.grade in ("excellent", "fair")


def test_killed_server_goes_offline_then_back_online(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub]
) -> None:
    server = rtsp_server()
    events: list[CameraEvent] = []
    got = threading.Event()

    def on_event(event: CameraEvent) -> None:
        events.append(event)
        got.set()

    hub = make_hub([camera("door", server.url())])
    hub.subscribe(on_event)
    wait_for(lambda: hub.health()[0].status == "online", 15, "camera online")
    threshold = hub.stall_threshold("door")
    assert threshold == 2.0  # max(2 intervals at 10 fps, 2 s)

    server.kill()
    wait_for(lambda: any(e.status == "offline" for e in events), threshold + 10, "offline event")
    offline = next(e for e in events if e.status == "offline")
    assert (offline.camera_id, offline.center, offline.kind) == ("door", "532622", "status")
    # Measured with the hub's own clocks: last frame received → offline published. The bound
    # is the stall threshold plus a second, plus the watchdog tick and a margin for a busy box.
    last_frame = hub.camera("door").sub.meter.last_frame_wall
    assert last_frame is not None
    assert offline.at.timestamp() - last_frame <= threshold + 1.0 + 2.0

    server.start()  # same port
    wait_for(lambda: events[-1].status in ("online", "degraded") and events[-1] is not offline,
             30, "back online")
    assert [e.status for e in events][-2:] in (["offline", "online"], ["offline", "degraded"])
    health = hub.health()[0]
    assert health.reconnects_last_hour >= 1 and health.stalls_last_hour >= 1
