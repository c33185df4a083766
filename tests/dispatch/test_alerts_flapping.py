"""A flapping camera is one alert, not dozens: the offline alert of a camera stays open across
short good spells (hysteresis) and clears only after steady pictures; an important camera's
offline alert is critical."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from config.duty import DutyPolicy
from dashboard.server.camera_events import CameraEventSink
from dispatch.duty.escalation import Escalator
from dispatch.duty.steps import trail
from dispatch.models import Alert
from streams.types import CameraEvent
from tests.dispatch.factories import T0, Db

CAM = "cam-jiangna-1"
POLICY = DutyPolicy(camera_recovery_seconds=30, renotify_minutes=1, escalate_minutes=2)


def camera_alerts(db: Db) -> list[Alert]:
    with db.begin() as s:
        return list(s.scalars(sa.select(Alert).where(Alert.camera_id == CAM).order_by(Alert.id)))


def flap(db: Db, sink: CameraEventSink, esc: Escalator, seconds: int = 60) -> None:
    """Offline and back every 2 s for ``seconds``, with an escalation pass every 5 s."""
    for second in range(0, seconds, 2):
        status = "offline" if second % 4 == 0 else "online"
        sink.handle(CameraEvent(camera_id=CAM, center="532622101201", kind="status", status=status,
                                at=T0 + timedelta(seconds=second)))
        if second % 5 == 0 or second % 5 == 1:
            esc.run_once(T0 + timedelta(seconds=second))


def test_a_camera_flapping_every_two_seconds_for_a_minute_is_one_grouped_alert(db: Db) -> None:
    sink = CameraEventSink(db.factory)
    esc = Escalator(db.factory, POLICY)
    flap(db, sink, esc)
    (alert,) = camera_alerts(db)
    assert alert.kind == "camera_offline" and alert.open_key is not None
    assert alert.occurrences == 15  # 15 outages in the minute, counted on the one alert
    assert alert.severity == "warning"
    with db.begin() as s:
        kinds = [r.step for r in trail(s, [alert.id])[alert.id]]
    assert kinds == ["raised"] + ["recurred"] * 14


def test_the_offline_alert_clears_only_after_steady_pictures(db: Db) -> None:
    sink = CameraEventSink(db.factory)
    esc = Escalator(db.factory, POLICY)
    flap(db, sink, esc, seconds=20)  # ends online at second 18
    back = T0 + timedelta(seconds=18)
    assert esc.run_once(back + timedelta(seconds=29)).recovered == 0  # 29 s of pictures: open
    (alert,) = camera_alerts(db)
    assert alert.open_key is not None
    assert esc.run_once(back + timedelta(seconds=31)).recovered == 1
    (alert,) = camera_alerts(db)
    assert alert.open_key is None and alert.cleared_at == back + timedelta(seconds=31)
    # One late packet later: a new outage is a new alert, not a re-raise of a flapping one.
    sink.handle(CameraEvent(camera_id=CAM, center="532622101201", kind="status", status="offline", at=back + timedelta(seconds=40)))
    assert len(camera_alerts(db)) == 2


def test_an_important_cameras_offline_alert_is_critical_and_escalates(db: Db) -> None:
    sink = CameraEventSink(db.factory, important=[CAM])
    esc = Escalator(db.factory, POLICY)
    flap(db, sink, esc)
    (alert,) = camera_alerts(db)
    assert alert.severity == "critical" and alert.occurrences == 15
    esc.run_once(T0 + timedelta(minutes=4))
    with db.begin() as s:
        kinds = [r.step for r in trail(s, [alert.id])[alert.id]]
    assert kinds.count("notified") == 1 and kinds.count("renotified") == 1
