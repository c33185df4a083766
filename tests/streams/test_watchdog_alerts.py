"""The watchdog never misses, checked end to end: a real RTSP server, the hub, the product's
event sink and the dispatch database. A camera down at start raises its offline alert; a
stalled camera whose late packets arrive keeps its alert; a black camera's tamper alert stays
open while it is black, across status changes, and closes when the picture is back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.duty import DutyPolicy
from config.streams import TamperSettings
from dashboard.server.camera_events import CameraEventSink
from dispatch.duty.escalation import Escalator
from dispatch.models import Alert
from streams.hub import StreamHub
from streams.types import CameraEvent
from tests.dispatch.factories import Db, make_db
from tests.live import free_port
from tests.streams.conftest import RtspServer, camera, fast_settings
from tests.streams.test_rtsp import wait_for

pytestmark = pytest.mark.rtsp

CAM = "cam-jiangna-1"  # a camera of the example deployment (in the registry)
CENTER = "532622101201"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Db]:
    made = make_db(f"sqlite:///{tmp_path / 'zongzhi.db'}")
    yield made
    made.engine.dispose()


@pytest.fixture
def wired(sqlite_db: Db) -> Iterator[tuple[Db, CameraEventSink, list[CameraEvent]]]:
    """The product's sink, which writes hub events into the database, and the events seen
    (see :func:`subscribe`)."""
    yield sqlite_db, CameraEventSink(sqlite_db.factory), []


def alerts(db: Db, kind: str) -> list[Alert]:
    with db.begin() as s:
        return list(s.scalars(sa.select(Alert).where(Alert.camera_id == CAM, Alert.kind == kind)
                              .order_by(Alert.id)))


def open_alert(db: Db, kind: str) -> Alert | None:
    return next((a for a in alerts(db, kind) if a.open_key is not None), None)


def statuses(seen: list[CameraEvent]) -> list[str]:
    return [e.status for e in seen if e.kind == "status"]


def subscribe(hub: StreamHub, sink: CameraEventSink, seen: list[CameraEvent]) -> None:
    """Each event handled on the hub thread that published it (in order, synchronously)."""

    def handle(event: CameraEvent) -> None:
        seen.append(event)
        sink.handle(event)

    hub.subscribe(handle)


def pause(server: RtspServer) -> None:
    """Freeze the camera: its connections stay open, nothing is sent (a stall)."""
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)


def resume(server: RtspServer) -> None:
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGCONT)


def test_cameras_down_at_start_raise_their_offline_alert_within_ten_seconds(
    wired: tuple[Db, CameraEventSink, list[CameraEvent]], make_hub: Callable[..., StreamHub],
) -> None:
    db, sink, seen = wired
    started = time.monotonic()
    hub = make_hub([camera(CAM, f"rtsp://127.0.0.1:{free_port()}/cam0")],
                   fast_settings())  # default first_status_seconds (8 s)
    subscribe(hub, sink, seen)
    wait_for(lambda: open_alert(db, "camera_offline") is not None, 12, "offline alert")
    assert time.monotonic() - started <= 10.5  # a watchdog tick of margin
    first = seen[0]
    assert (first.kind, first.status, first.old_status) == ("status", "offline", None)
    assert "cannot open" in first.detail  # the reason, credential-free


def test_a_wrong_password_at_start_raises_the_offline_alert(
    wired: tuple[Db, CameraEventSink, list[CameraEvent]], make_hub: Callable[..., StreamHub],
    rtsp_server: Callable[..., RtspServer],
) -> None:
    db, sink, seen = wired
    server = rtsp_server("--user", "admin", "--password", "right-pw")
    hub = make_hub([camera(CAM, server.url(userinfo="admin:wrong-pw@"))],
                   fast_settings(first_status_seconds=4))
    subscribe(hub, sink, seen)
    wait_for(lambda: open_alert(db, "camera_offline") is not None, 8, "offline alert")
    alert = open_alert(db, "camera_offline")
    assert alert is not None and "wrong-pw" not in alert.message
    assert all("wrong-pw" not in e.detail for e in seen)


def test_a_stalled_camera_whose_late_packets_arrive_keeps_its_alert(
    wired: tuple[Db, CameraEventSink, list[CameraEvent]], make_hub: Callable[..., StreamHub],
    rtsp_server: Callable[..., RtspServer],
) -> None:
    db, sink, seen = wired
    server = rtsp_server("--pattern", "smpte")
    # read_timeout above the stall: FFmpeg keeps the connection, so packets sent when the
    # camera wakes arrive on it late.
    hub = make_hub([camera(CAM, server.url(), tamper=False)],
                   fast_settings(read_timeout=15, recover_seconds=4))
    subscribe(hub, sink, seen)
    wait_for(lambda: statuses(seen) == ["online"], 15, "online")
    pause(server)
    wait_for(lambda: open_alert(db, "camera_offline") is not None, 6, "offline alert")
    alert = open_alert(db, "camera_offline")
    stream = hub.camera(CAM).sub
    for _ in range(2):  # two short wake-ups: a burst of late packets each, then stalled again
        before = stream.meter.frames_in
        resume(server)
        wait_for(lambda n=before: stream.meter.frames_in > n, 5, "late packets")
        time.sleep(0.3)
        pause(server)
        time.sleep(2.5)
    assert statuses(seen) == ["online", "offline"], "late packets are no recovery"
    (only,) = alerts(db, "camera_offline")
    assert alert is not None and only.id == alert.id
    assert only.open_key is not None and only.occurrences == 1

    resume(server)  # back for good: online after recover_seconds of steady pictures
    back = time.monotonic()
    wait_for(lambda: statuses(seen)[-1] == "online", 15, "online again")
    assert time.monotonic() - back >= 4 - 0.3
    # The alert itself clears after the duty policy's steady spell (hysteresis in dispatch).
    esc = Escalator(db.factory, DutyPolicy(camera_recovery_seconds=2))
    time.sleep(2.2)
    assert esc.run_once().recovered == 1
    assert open_alert(db, "camera_offline") is None


def test_a_black_cameras_tamper_alert_stays_open_while_it_is_black(
    wired: tuple[Db, CameraEventSink, list[CameraEvent]], make_hub: Callable[..., StreamHub],
    rtsp_server: Callable[..., RtspServer],
) -> None:
    db, sink, seen = wired
    black = rtsp_server("--pattern", "black")
    settings = fast_settings(read_timeout=15, recover_seconds=1, key_seconds=1,
                             tamper=TamperSettings(hold_seconds=1, repeat_seconds=300))
    hub = make_hub([camera(CAM, black.url())], settings)
    subscribe(hub, sink, seen)
    wait_for(lambda: open_alert(db, "camera_tampered") is not None, 20, "tamper alert")
    tampered = open_alert(db, "camera_tampered")
    assert tampered is not None and "black" in tampered.message
    # A status change (a stall, then pictures again) does not close it: still black.
    pause(black)
    wait_for(lambda: statuses(seen)[-1] == "offline", 8, "offline")
    resume(black)
    wait_for(lambda: statuses(seen)[-1] == "online", 15, "online")
    time.sleep(4)  # several keyframe checks of a black picture
    still = open_alert(db, "camera_tampered")
    assert still is not None and still.id == tampered.id
    assert [e.kind for e in seen].count("tamper_end") == 0

    # The picture comes back (colour bars on the same address): the alert closes.
    port = black.port
    black.kill()
    normal = RtspServer("--pattern", "smpte")
    normal.port = port
    normal.start()
    try:
        wait_for(lambda: open_alert(db, "camera_tampered") is None, 30, "tamper alert cleared")
    finally:
        normal.kill()
    (only,) = alerts(db, "camera_tampered")
    assert only.id == tampered.id and only.cleared_at is not None
    assert [e.kind for e in seen].count("tamper_end") == 1


def test_a_camera_back_after_a_long_outage_is_live_within_the_backoff_cap(
    make_hub: Callable[..., StreamHub], rtsp_server: Callable[..., RtspServer],
) -> None:
    server = rtsp_server()
    settings = fast_settings(reconnect_initial=0.5, reconnect_max=3, recover_seconds=1)
    hub = make_hub([camera("lane", server.url())], settings)
    stream = hub.camera("lane").sub
    wait_for(lambda: stream.meter.frames_in > 5, 15, "pictures")
    server.kill()
    time.sleep(10)  # long enough for the delays to reach the cap (0.5, 1, 2, 3, 3 …)
    server.start()
    back = time.monotonic()
    before = stream.meter.frames_in
    wait_for(lambda: stream.meter.frames_in > before, 15, "pictures again")
    # The cap, plus opening the stream (connect and probe) on a busy machine.
    assert time.monotonic() - back <= settings.reconnect_max + 2.5
