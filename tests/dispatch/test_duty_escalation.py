"""值班升级: an unacknowledged critical alert climbs the center tree on a fast clock, each step
on its own trail; acknowledging stops it; a persisting condition re-opens it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.duty import DutyPolicy
from dispatch.alerts import ack_alert, raise_alert
from dispatch.duty.escalation import Escalator
from dispatch.duty.roster import ShiftInput, on_duty, save_roster
from dispatch.duty.steps import trail
from dispatch.errors import Forbidden
from dispatch.models import Alert
from dispatch.principal import Role
from dispatch.types import AlertKind, Severity
from tests.dispatch.factories import (
    COUNTY,
    COUNTY_LEADER,
    PREFECTURE,
    T0,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_OP,
    Db,
    principal,
)

#: Test settings: the whole chain in well under a minute of product time.
FAST = DutyPolicy(renotify_minutes=0.1, escalate_minutes=0.2, reopen_minutes=0.5)
S = timedelta(seconds=1)
COUNTY_DUTY = principal(COUNTY, Role.DUTY_OFFICER, actor="xian.duty")
PREF_LEADER = principal(PREFECTURE, Role.LEADER, actor="zhou.leader")


def roster(db: Db) -> None:
    day = (T0 - timedelta(hours=1), T0 + timedelta(hours=23))
    with db.begin() as s:
        save_roster(s, COUNTY_DUTY, COUNTY, *day, [ShiftInput("xian.duty", "duty_officer", *day)])
        save_roster(s, PREF_LEADER, PREFECTURE, *day, [ShiftInput("zhou.duty", "duty_officer", *day),
                                                       ShiftInput("zhou.leader", "leader", *day)])
        save_roster(s, COUNTY_DUTY, VILLAGE, *day, [ShiftInput("cun.operator", "duty_officer", *day)])


def critical(db: Db, key: str = "case_overdue:test", kind: AlertKind = AlertKind.CASE_OVERDUE) -> int:
    with db.begin() as s:
        alert, created = raise_alert(s, kind, Severity.CRITICAL, VILLAGE, "事件超期 test", key, now=T0)
        assert created
        return alert.id


def steps(db: Db, alert_id: int) -> list[tuple[str, str | None, str | None]]:
    with db.begin() as s:
        return [(r.step, r.center_path, r.person) for r in trail(s, [alert_id])[alert_id]]


def test_unanswered_critical_alert_climbs_to_the_parent_duty_officers(db: Db) -> None:
    roster(db)
    alert_id = critical(db)
    esc = Escalator(db.factory, FAST)
    esc.run_once(T0 + 1 * S)       # own center's duty officer at once
    esc.run_once(T0 + 3 * S)       # nothing due yet
    esc.run_once(T0 + 8 * S)       # 6 s later: re-notified
    esc.run_once(T0 + 21 * S)      # 12 s later: the township (nobody on its roster)
    esc.run_once(T0 + 34 * S)      # the county's duty officer
    report = esc.run_once(T0 + 47 * S)  # the prefecture's
    assert report.escalated == 1
    assert steps(db, alert_id) == [
        ("raised", VILLAGE, None),
        ("notified", VILLAGE, "cun.operator"),
        ("renotified", VILLAGE, "cun.operator"),
        ("escalated", TOWNSHIP, None),
        ("escalated", COUNTY, "xian.duty"),
        ("escalated", PREFECTURE, "zhou.duty, zhou.leader"),
    ]
    with db.begin() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None and alert.notified_path == PREFECTURE
        assert alert.next_step_at is None  # the top level: the chain ends there
        ack_alert(s, COUNTY_DUTY, alert_id, note="已派人核查", now=T0 + 50 * S)
    for later in (55, 65, 75):  # acknowledged: the chain stops (re-opening waits 30 s)
        esc.run_once(T0 + later * S)
    assert steps(db, alert_id)[-1] == ("acked", COUNTY, "xian.duty")
    assert len(steps(db, alert_id)) == 7


def test_acknowledging_stops_the_chain_before_it_reaches_the_parent(db: Db) -> None:
    roster(db)
    alert_id = critical(db)
    esc = Escalator(db.factory, FAST)
    esc.run_once(T0 + 1 * S)
    with db.begin() as s:
        acked = ack_alert(s, VILLAGE_OP, alert_id, now=T0 + 2 * S)
        assert acked.acked_by == "village-op" and acked.next_step_at is None
    for later in (10, 20, 30):  # well past the re-notify and escalate times, before re-opening
        report = esc.run_once(T0 + later * S)
        assert report.renotified == report.escalated == 0
    assert [s for s, _, _ in steps(db, alert_id)] == ["raised", "notified", "acked"]


def test_acknowledged_alert_whose_condition_persists_reopens_and_escalates_again(db: Db) -> None:
    alert_id = critical(db)
    esc = Escalator(db.factory, FAST)
    esc.run_once(T0 + 1 * S)
    with db.begin() as s:
        ack_alert(s, VILLAGE_OP, alert_id, now=T0 + 2 * S)
    assert esc.run_once(T0 + 20 * S).reopened == 0  # not yet 30 s
    assert esc.run_once(T0 + 33 * S).reopened == 1
    with db.begin() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None and alert.acked_at is None and alert.acked_by is None
    assert esc.run_once(T0 + 34 * S).notified == 1
    assert [s for s, _, _ in steps(db, alert_id)] == [
        "raised", "notified", "acked", "reopened", "notified"]


def test_a_high_risk_case_alert_acknowledged_stays_acknowledged(db: Db) -> None:
    alert_id = critical(db, "high_risk_case:test", AlertKind.HIGH_RISK_CASE)
    esc = Escalator(db.factory, FAST)
    with db.begin() as s:
        ack_alert(s, VILLAGE_OP, alert_id, now=T0 + 2 * S)
    assert esc.run_once(T0 + 3600 * S).reopened == 0  # a status, not a fault: no nagging


def test_warnings_do_not_escalate(db: Db) -> None:
    with db.begin() as s:
        alert, _ = raise_alert(s, AlertKind.CAMERA_OFFLINE, Severity.WARNING, VILLAGE, "离线",
                               "camera_offline:x", now=T0)
        alert_id = alert.id
    esc = Escalator(db.factory, FAST)
    for later in (1, 10, 30, 60):
        esc.run_once(T0 + later * S)
    assert [s for s, _, _ in steps(db, alert_id)] == ["raised"]


def test_roster_is_edited_by_the_centers_duty_staff_only(db: Db) -> None:
    day = (T0, T0 + timedelta(hours=12))
    with db.begin() as s:
        with pytest.raises(Forbidden):
            save_roster(s, VILLAGE_OP, VILLAGE, *day, [ShiftInput("x", "duty_officer", *day)])
        with pytest.raises(Forbidden):  # a county's duty officer does not edit the prefecture's
            save_roster(s, COUNTY_DUTY, PREFECTURE, *day, [ShiftInput("x", "duty_officer", *day)])
        save_roster(s, COUNTY_LEADER, COUNTY, *day, [ShiftInput("li.si", "duty_officer", *day)])
        assert on_duty(s, COUNTY, T0 + timedelta(hours=1)) == ["li.si"]
        assert on_duty(s, COUNTY, T0 + timedelta(hours=13)) == []
