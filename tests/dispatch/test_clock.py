"""The SLA clock: near-deadline and overdue alerts once each, supervision and escalation by rule."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import sqlalchemy as sa

from dashboard.server.periodic import run_every
from dispatch.alerts import ack_alert, list_alerts, raise_camera_alert, record_camera_status
from dispatch.clock import SlaClock
from dispatch.events import InProcessBus
from dispatch.models import Alert, Camera, Case
from tests.dispatch.factories import (
    ADMIN,
    COUNTY_LEADER,
    JUDICIAL,
    LEADER,
    OPERATOR,
    PREFECTURE,
    T0,
    Db,
    act,
    walk_to_handling,
)

CLEAR_KEYS = ("case_overdue", "case_near_deadline")


def open_alerts(db: Db, kind: str | None = None) -> list[Alert]:
    with db.begin() as s:
        return list_alerts(s, ADMIN, PREFECTURE, kind=kind)


def test_near_deadline_then_overdue_raised_once_each(db: Db) -> None:
    case_id, _ = walk_to_handling(db)  # ordinary: 7 working days
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    assert due is not None
    bus = InProcessBus()
    seen: list[tuple[str, dict]] = []
    bus.subscribe("alert", lambda topic, payload: seen.append((topic, payload)))
    clock = SlaClock(db.factory, bus, db.sla)
    assert clock.run_once(T0 + timedelta(hours=1)).near_deadline == 0
    near = due - timedelta(hours=3)
    report = clock.run_once(near)
    assert report.near_deadline == 1 and report.overdue == 0
    assert clock.run_once(near + timedelta(minutes=5)).near_deadline == 0  # deduplicated
    assert [a.kind for a in open_alerts(db, "case_near_deadline")] == ["case_near_deadline"]
    assert [p["change"] for _, p in seen] == ["raised"]  # published after commit

    late = due + timedelta(minutes=1)
    report = clock.run_once(late)
    assert report.overdue == 1 and report.urged == 1  # 催办 at once by the default rule
    again = clock.run_once(late + timedelta(minutes=1))
    assert again.overdue == 0 and again.urged == 0 and again.near_deadline == 0
    assert open_alerts(db, "case_near_deadline") == []  # the near alert gave way
    assert len(open_alerts(db, "case_overdue")) == 1


def test_supervision_notifies_after_the_set_time_then_escalates(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    clock.run_once(due + timedelta(minutes=1))
    rules = db.sla.policy
    assert (
        clock.run_once(
            due + timedelta(hours=rules.supervision.notify_after_urge_hours - 1)
        ).notified
        == 0
    )
    report = clock.run_once(due + timedelta(hours=rules.supervision.notify_after_urge_hours + 1))
    assert report.notified == 1 and report.escalated == 0
    report = clock.run_once(due + timedelta(hours=rules.escalation.overdue_hours + 1))
    assert report.escalated == 1
    with db.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.owning_path == "532600/532622" and case.state == "accepted"
    # At the county (level 2 = top_level) the rule stops escalating.
    assert clock.run_once(due + timedelta(hours=3 * rules.escalation.overdue_hours)).escalated == 0
    kinds = {a.kind for a in open_alerts(db)}
    assert {"case_overdue", "supervision", "escalation"} <= kinds


def test_closing_or_extending_clears_clock_alerts(db: Db) -> None:
    case_id, order = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    clock.run_once(due + timedelta(minutes=1))
    # After the deadline the township's own leader only files the request (逾期延期 needs the
    # next level): the case stays overdue.
    act(db, LEADER, case_id, "extend", due + timedelta(minutes=2), days=5, reason="需鉴定")
    assert len(open_alerts(db, "case_overdue")) == 1
    act(db, COUNTY_LEADER, case_id, "extend", due + timedelta(minutes=2), days=5, reason="同意")
    assert open_alerts(db, "case_overdue") == []
    assert clock.run_once(due + timedelta(minutes=3)).overdue == 0
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="办结")
    act(db, OPERATOR, case_id, "verify")
    act(db, OPERATOR, case_id, "visit", satisfaction="satisfied")
    act(db, OPERATOR, case_id, "close")
    assert clock.run_once(due + timedelta(days=30)).overdue == 0


def test_suspended_cases_do_not_go_overdue(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    act(db, LEADER, case_id, "suspend", reason="等待法院判决")
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    assert clock.run_once(T0 + timedelta(days=60)).overdue == 0


def test_alerts_are_acknowledged_by_a_named_person(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    SlaClock(db.factory, InProcessBus(), db.sla).run_once(due + timedelta(minutes=1))
    (alert,) = open_alerts(db, "case_overdue")
    with db.begin() as s:
        acked = ack_alert(s, OPERATOR, alert.id, note="值班长 赵六 已核实")
        assert acked.acked_by == "township-op" and acked.open_key is not None  # seen, still open


def test_camera_status_changes_raise_and_clear_alerts(db: Db) -> None:
    with db.begin() as s:
        record_camera_status(s, "cam-jiangna-1", "online", T0)
        record_camera_status(s, "cam-jiangna-1", "offline", T0 + timedelta(minutes=1))
        record_camera_status(
            s, "cam-jiangna-1", "offline", T0 + timedelta(minutes=2)
        )  # repeat: no-op
    (alert,) = open_alerts(db, "camera_offline")
    assert alert.camera_id == "cam-jiangna-1" and alert.center_path.endswith("532622101201")
    with db.begin() as s:
        cam = s.get(Camera, "cam-jiangna-1")
        assert (
            cam is not None
            and cam.status == "offline"
            and cam.status_changed_at == T0 + timedelta(minutes=1)
        )
        _, created = raise_camera_alert(s, "cam-jiangna-1", "offline")
        assert not created
        record_camera_status(s, "cam-jiangna-1", "tampered", T0 + timedelta(minutes=3))
    assert open_alerts(db, "camera_offline") == [] and len(open_alerts(db, "camera_tampered")) == 1
    with db.begin() as s:
        record_camera_status(s, "cam-jiangna-1", "online", T0 + timedelta(minutes=4))
        assert (
            s.scalar(
                sa.select(sa.func.count()).select_from(Alert).where(Alert.open_key.is_not(None))
            )
            == 0
        )


def test_the_clock_loop_ticks_and_stops_cleanly(db: Db) -> None:
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    ticks: list[object] = []
    original = clock.run_once

    def counting(now: object = None) -> object:
        ticks.append(now)
        return original()

    clock.run_once = counting  # type: ignore[method-assign]

    async def main() -> None:
        async with AsyncExitStack() as stack:  # the product's timer (dashboard.wiring)
            run_every(stack, 0.05, clock.run_once, "sla-clock")
            while len(ticks) < 2:
                await asyncio.sleep(0.01)

    asyncio.run(main())
    assert len(ticks) >= 2
