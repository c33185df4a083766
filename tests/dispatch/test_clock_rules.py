"""The clock as practice runs it: the official calendar with 调休 and local days, working hours,
pauses in working time, on time at the accepted resolution, no 催办 while awaiting 核查, late
延期 by the next level, the calendar's edge, and ``serve`` refusing to run without a calendar.

Expectations are worked out by hand in the comments (local times, Asia/Shanghai), and the
deadline tests run with the server's own zone (the process ``TZ``) set to UTC and to
America/New_York: the product's zone stays Asia/Shanghai whatever the machine's.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time as systime
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.errors import ConfigError
from config.holidays import HolidayCalendar
from config.sla import Clock, Deadline, SlaPolicy
from dashboard.shared.calendar_notice import calendar_notice
from dispatch.alerts import list_alerts
from dispatch.clock import SlaClock
from dispatch.errors import ActionNotAllowed
from dispatch.events import InProcessBus
from dispatch.kpi import compute_kpis
from dispatch.localtime import TZ
from dispatch.models import Case
from dispatch.sla import Sla, WorkCalendar, require_calendar
from tests.dispatch.factories import (
    ADMIN,
    COUNTY,
    COUNTY_LEADER,
    JUDICIAL,
    LEADER,
    OPERATOR,
    PREFECTURE,
    Db,
    act,
    walk_to_handling,
)

WORKING_HOURS = ["08:30-12:00", "14:30-18:00"]  # 7 working hours a day
HOURS_POLICY = SlaPolicy(
    working_hours=WORKING_HOURS,
    deadlines={
        "emergency": Deadline(hours=2, clock=Clock.WALL),
        "simple": Deadline(hours=2, clock=Clock.WORKING_HOURS),
        "ordinary": Deadline(working_days=7, clock=Clock.WORKING_DAYS),
        "complex": Deadline(working_days=20, clock=Clock.WORKING_DAYS),
    },
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@pytest.fixture(params=["UTC", "America/New_York"])
def server_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process runs in another zone than the product's (a server set to UTC or New York)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    systime.tzset()
    try:
        assert systime.localtime(0).tm_gmtoff != 8 * 3600
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        systime.tzset()


# -- the calendar from the maintained package ---------------------------------------------


def test_the_official_calendar_comes_from_the_package_with_local_days_over_it() -> None:
    cal = WorkCalendar()  # nothing listed: the State Council's schedule alone
    # 2025 春节 28 Jan – 4 Feb, worked Sunday 26 Jan and Saturday 8 Feb.
    assert not cal.is_working_day(date(2025, 1, 28)) and not cal.is_working_day(date(2025, 2, 4))
    assert cal.is_working_day(date(2025, 1, 26)) and cal.is_working_day(date(2025, 2, 8))
    # 2025 国庆 1–8 Oct, worked Sunday 28 Sep and Saturday 11 Oct.
    assert not cal.is_working_day(date(2025, 10, 8))
    assert cal.is_working_day(date(2025, 9, 28)) and cal.is_working_day(date(2025, 10, 11))
    # 2026 春节 15–23 Feb, worked Saturdays 14 and 28 Feb; 国庆 1–7 Oct, worked 20 Sep, 10 Oct.
    assert not cal.is_working_day(date(2026, 2, 23)) and cal.is_working_day(date(2026, 2, 14))
    assert cal.is_working_day(date(2026, 2, 28)) and cal.is_working_day(date(2026, 9, 20))
    assert not cal.is_working_day(date(2026, 10, 7)) and cal.is_working_day(date(2026, 10, 10))
    assert cal.last_year == 2026
    # The deployment adds a local holiday and works a day the schedule gives off.
    local_days = HolidayCalendar.model_validate(
        {"periods": [{"name": "壮族三月三", "start": "2026-04-20", "end": "2026-04-21"}],
         "workdays": ["2026-10-07"]}
    )  # fmt: skip
    cal = WorkCalendar(local_days)
    assert not cal.is_working_day(date(2026, 4, 20)) and not cal.is_working_day(date(2026, 4, 21))
    assert cal.is_working_day(date(2026, 10, 7))
    assert not cal.is_working_day(date(2026, 10, 6))  # the rest of 国庆 stays off
    # Without the package (official = false) only the file's days are known.
    bare = WorkCalendar(HolidayCalendar(official=False))
    assert bare.is_working_day(date(2026, 10, 6)) and bare.last_year is None


# -- deadlines across Spring Festival and National Day, in any server zone ---------------------


@pytest.mark.parametrize(
    ("policy", "complexity", "reported", "due"),
    [
        # 7 working days from Friday 26 Sep 2025: Sun 28 (调休) 1, Mon 29 2, Tue 30 3, 国庆 1–8
        # off, Thu 9 4, Fri 10 5, Sat 11 (调休) 6, Mon 13 7: due at the end of 13 Oct.
        (None, None, local(2025, 9, 26, 15, 0), local(2025, 10, 14)),
        # 1 working day from Monday 27 Jan 2025: 春节 28 Jan – 4 Feb off, Wed 5 Feb.
        (None, "simple", local(2025, 1, 27, 10, 0), local(2025, 2, 6)),
        # 1 working day from Friday 13 Feb 2026: Saturday 14 Feb is worked (调休).
        (None, "simple", local(2026, 2, 13, 17, 30), local(2026, 2, 15)),
        # 7 working days from Friday 30 Jan 2026 (weekdays only until 春节 on 15 Feb):
        # 2, 3, 4, 5, 6, 9, 10 Feb: due at the end of Tuesday 10 Feb.
        (None, None, local(2026, 1, 30, 9, 0), local(2026, 2, 11)),
        # Emergencies run on the wall clock, holiday or not.
        (None, "emergency", local(2025, 10, 1, 10, 0), local(2025, 10, 1, 14, 0)),
        (HOURS_POLICY, "emergency", local(2026, 2, 16, 23, 0), local(2026, 2, 17, 1, 0)),
        # 2 working hours under 08:30–12:00 / 14:30–18:00: at 08:31 on Friday, 10:31 that day;
        (HOURS_POLICY, "simple", local(2026, 2, 13, 8, 31), local(2026, 2, 13, 10, 31)),
        # at 17:30 on Friday 13 Feb: half an hour, then 1.5 h of the worked Saturday 14 Feb;
        (HOURS_POLICY, "simple", local(2026, 2, 13, 17, 30), local(2026, 2, 14, 10, 0)),
        # at 17:00 on 30 Sep 2026: one hour, 国庆 1–7 Oct, one hour of Thursday 8 Oct;
        (HOURS_POLICY, "simple", local(2026, 9, 30, 17, 0), local(2026, 10, 8, 9, 30)),
        # at lunch (12:30) on Wednesday 4 Feb 2026: 14:30–16:30.
        (HOURS_POLICY, "simple", local(2026, 2, 4, 12, 30), local(2026, 2, 4, 16, 30)),
        # Working days stay working days under working hours: as the first case.
        (HOURS_POLICY, None, local(2025, 9, 26, 15, 0), local(2025, 10, 14)),
    ],
)
def test_deadlines_across_the_holidays(
    server_zone: str,
    policy: SlaPolicy | None,
    complexity: str | None,
    reported: datetime,
    due: datetime,
) -> None:
    sla = Sla.build(policy)
    assert sla.deadline("dispute", "low", reported.astimezone(UTC), complexity) == due


@pytest.mark.parametrize("policy", [None, HOURS_POLICY])
def test_a_pause_counts_in_working_time(server_zone: str, policy: SlaPolicy | None) -> None:
    sla = Sla.build(policy)
    # Reported Monday 22 Sep 2025, 7 working days: 23, 24, 25, 26, Sun 28 (调休), 29, 30:
    # due at the end of 30 September.
    due = sla.deadline("dispute", "low", local(2025, 9, 22, 9, 0))
    assert due == local(2025, 10, 1)
    # Paused Monday 29 Sep 10:00, resumed Tuesday 30 Sep 10:00: one working day's worth (24 h
    # of working days, or 2 + 3.5 + 1.5 = 7 working hours), not 24 wall hours (which would
    # land on 2 October, inside 国庆): the deadline moves past the holiday, to the end of 9 Oct.
    moved = sla.resume_deadline(
        Clock.WORKING_DAYS, due, local(2025, 9, 29, 10, 0), local(2025, 9, 30, 10, 0)
    )
    assert moved == local(2025, 10, 10)
    # A pause over 国庆 2026 alone (Saturday 3 Oct to Thursday 8 Oct 09:00) takes only the
    # working time of 8 Oct: 9 h of the day under whole working days (00:00–09:00), 30 min
    # under working hours (08:30–09:00). The deadline, the end of Monday 12 Oct, moves into
    # Tuesday 13 Oct by as much: 09:00 either way (00:00 + 9 h; 08:30 + 30 min).
    due = local(2026, 10, 13)
    paused = sla.paused_time(Clock.WORKING_DAYS, local(2026, 10, 3, 10, 0), local(2026, 10, 8, 9))
    assert paused == (9 * 3600 if policy is None else 30 * 60)
    moved = sla.resume_deadline(
        Clock.WORKING_DAYS, due, local(2026, 10, 3, 10, 0), local(2026, 10, 8, 9, 0)
    )
    assert moved == local(2026, 10, 13, 9, 0)
    # An emergency's pause counts on the wall clock.
    assert sla.resume_deadline(
        Clock.WALL, local(2026, 10, 2, 12, 0), local(2026, 10, 2, 10, 0), local(2026, 10, 2, 11, 0)
    ) == local(2026, 10, 2, 13, 0)


def test_suspend_and_resume_move_the_deadline_by_working_time(db: Db) -> None:
    case_id, _ = walk_to_handling(db, at=local(2025, 9, 22, 9, 0).astimezone(UTC))
    act(db, LEADER, case_id, "suspend", local(2025, 9, 29, 10, 0), reason="等待鉴定")
    case = act(db, OPERATOR, case_id, "resume", local(2025, 9, 30, 10, 0))
    assert case.due_at == local(2025, 10, 10)  # not 2 October, inside 国庆
    assert case.paused_seconds == 24 * 3600  # the wall time, left out of handling times


def test_each_limit_states_its_clock() -> None:
    assert {d.clock for d in SlaPolicy().deadlines.values()} == {Clock.WALL, Clock.WORKING_DAYS}
    assert Deadline(hours=4).clock == Clock.WALL  # older files: hours on the wall clock
    with pytest.raises(ValueError, match="working_days go with"):
        Deadline(hours=2, clock=Clock.WORKING_DAYS)
    with pytest.raises(ValueError, match="working hours"):
        SlaPolicy(working_hours=["12:00-08:30"])
    with pytest.raises(ValueError, match="overlap"):
        SlaPolicy(working_hours=["08:00-12:00", "11:00-13:00"])


# -- on time at the accepted resolution; no 催办 while awaiting 核查 ----------------------------


def _resolve(db: Db, case_id: int, order: int, at: datetime) -> None:
    act(db, JUDICIAL, case_id, "resolve", at, order_id=order, result="已调解")


def test_on_time_is_judged_at_the_resolution_accepted_at_verification(db: Db) -> None:
    case_id, order = walk_to_handling(db, complexity="simple")
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    assert due is not None
    _resolve(db, case_id, order, due - timedelta(hours=1))  # resolved in time
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    report = clock.run_once(due + timedelta(days=3))  # verification is slow
    assert report.overdue == 0 and report.urged == 0  # no 催办 while awaiting 核查
    with pytest.raises(ActionNotAllowed):
        act(db, LEADER, case_id, "urge", due + timedelta(days=3))
    act(db, OPERATOR, case_id, "verify", due + timedelta(days=3))
    act(db, OPERATOR, case_id, "visit", due + timedelta(days=3), satisfaction="satisfied")
    act(db, OPERATOR, case_id, "close", due + timedelta(days=4))
    with db.begin() as s:
        k = compute_kpis(s, COUNTY, due - timedelta(days=5), due + timedelta(days=5),
                         now=due + timedelta(days=6))  # fmt: skip
    assert k["closed"] == 1 and k["closed_on_time"] == 1 and k["on_time_rate"] == 1.0


def test_a_late_resolution_awaiting_verification_stays_late(db: Db) -> None:
    case_id, order = walk_to_handling(db, complexity="simple")
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    assert due is not None
    _resolve(db, case_id, order, due + timedelta(hours=2))
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    assert clock.run_once(due + timedelta(days=2)).urged == 0  # the handler is done
    with db.begin() as s:
        k = compute_kpis(s, COUNTY, due - timedelta(days=2), due + timedelta(days=5),
                         now=due + timedelta(days=2))  # fmt: skip
    assert k["overdue"] == 1 and k["on_time_rate"] == 0.0  # late, and not hidden


@pytest.mark.parametrize("rule", ["keep", "restart"])
def test_rework_keeps_or_restarts_the_handlers_clock(db: Db, rule: str) -> None:
    db = dataclasses.replace(db, sla=Sla.build(SlaPolicy(rework_clock=rule), None))
    case_id, order = walk_to_handling(db)  # ordinary: 7 working days from Tue 24 Nov 2026
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    assert due == local(2026, 12, 4)  # 25, 26, 27, 30 Nov, 1, 2, 3 Dec
    _resolve(db, case_id, order, local(2026, 11, 30, 10, 0))
    case = act(db, OPERATOR, case_id, "rework", local(2026, 12, 1, 9, 0), reason="未到现场")
    # restart: 7 working days from Tue 1 Dec: 2, 3, 4, 7, 8, 9, 10 Dec.
    assert case.due_at == (due if rule == "keep" else local(2026, 12, 11))


# -- 延期 before the deadline; after it, by the next level (逾期延期) --------------------------


def test_a_late_extension_needs_the_next_level_and_is_flagged(db: Db) -> None:
    on_time, order1 = walk_to_handling(db)
    late, order2 = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, late).due_at  # type: ignore[union-attr]
    assert due is not None
    case = act(db, LEADER, on_time, "extend", due - timedelta(hours=1), days=2, reason="需鉴定")
    assert case.due_at == due + timedelta(days=4) and case.late_extension_count == 0  # Mon 7 Dec
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    clock.run_once(due + timedelta(hours=1))
    # Six days late the township's leader can only ask: the deadline and the alert stay.
    case = act(db, LEADER, late, "extend", due + timedelta(days=6), days=2, reason="补延期")
    assert case.due_at == due and case.extension_requested_days == 2 and not case.extended
    with db.begin() as s:
        assert [a.kind for a in list_alerts(s, ADMIN, PREFECTURE, kind="case_overdue")] == [
            "case_overdue"
        ]
    case = act(db, COUNTY_LEADER, late, "extend", due + timedelta(days=6), days=2, reason="同意")
    assert case.late_extension_count == 1 and case.extension_requested_days is None
    with db.begin() as s:
        assert list_alerts(s, ADMIN, PREFECTURE, kind="case_overdue") == []
    for case_id, order in ((on_time, order1), (late, order2)):
        _resolve(db, case_id, order, due + timedelta(days=7))
        act(db, OPERATOR, case_id, "verify", due + timedelta(days=7))
        act(db, OPERATOR, case_id, "visit", due + timedelta(days=7), satisfaction="satisfied")
        act(db, OPERATOR, case_id, "close", due + timedelta(days=7))
    with db.begin() as s:
        k = compute_kpis(s, COUNTY, due, due + timedelta(days=8), now=due + timedelta(days=9))
    assert k["extended"] == 2 and k["extended_late"] == 1 and k["late_extension_rate"] == 0.5


# -- the calendar's edge, and serving without a calendar ----------------------------------------


def test_a_deadline_beyond_the_calendar_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    sla = Sla.build()
    assert sla.calendar_gap(local(2026, 6, 1)) is None  # 20 working days stay in 2026
    assert calendar_notice(sla, "zh-CN", local(2026, 6, 1)) is None
    with caplog.at_level(logging.WARNING, logger="dispatch.sla"):
        # 7 working days from 28 Dec 2026 run into 2027, which the package does not know yet.
        sla.deadline("dispute", "low", local(2026, 12, 28, 10, 0))
    assert any("2027" in r.getMessage() for r in caplog.records)
    assert sla.calendar_gap(local(2026, 6, 1)) == 2027
    zh = calendar_notice(sla, "zh-CN")
    en = calendar_notice(sla, "en")
    assert zh is not None and "2027" in zh and "节假日" in zh
    assert en is not None and "2027" in en and "holiday calendar ends with 2026" in en
    # A deployment listing 2027's schedule itself moves the edge.
    listed = Sla.build(None, HolidayCalendar(known_through=2027))
    listed.deadline("dispute", "low", local(2026, 12, 28, 10, 0))
    assert listed.calendar_gap(local(2026, 12, 28)) is None


def test_serve_refuses_to_start_without_a_holiday_calendar(tmp_path: Path) -> None:
    from dashboard.server.cli import main

    deployment = tmp_path / "deployment.toml"
    deployment.write_text(
        '[[centers]]\ncode = "532600"\nname = "文山州综治中心"\nlevel = 1\n\n'
        "[holidays]\nofficial = false\n",
        encoding="utf-8",
    )
    settings = tmp_path / "settings.toml"
    settings.write_text(
        # An address nothing can listen on: were the calendar not checked, serving would fail
        # at once instead of blocking the test.
        f'data_dir = "{tmp_path / "data"}"\ndeployment_file = "{deployment}"\n'
        'host = "256.256.256.256"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="allow_without_holidays") as caught:
        from dashboard.server.cli import build_parser
        from dashboard.server.launch import run_serve

        run_serve(build_parser().parse_args(["serve", "--config", str(settings)]))
    assert caught.value.field == "allow_without_holidays"
    assert main(["serve", "--config", str(settings)]) == 2
    bare = Sla.build(None, HolidayCalendar(official=False))
    require_calendar(bare, allowed_without=True)  # said explicitly: serves, weekends only
    require_calendar(Sla.build(), allowed_without=False)  # the package: a calendar
    with pytest.raises(ConfigError, match="allow_without_holidays"):
        require_calendar(bare, allowed_without=False)
    with sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'zongzhi.db'}").connect() as conn:
        assert sa.inspect(conn).has_table("cases")  # it got as far as the schema, no further


# -- KPI definitions: strict and broad satisfaction, reworks ÷ resolutions, as of period end ---


def test_kpi_definitions_and_a_finished_period_as_of_its_end(db: Db) -> None:
    h = timedelta(hours=1)
    t = local(2026, 11, 24, 10, 0)

    def finish(case_id: int, order: int, at: datetime, satisfaction: str) -> None:
        _resolve(db, case_id, order, at)
        act(db, OPERATOR, case_id, "verify", at + h)
        act(db, OPERATOR, case_id, "visit", at + 2 * h, satisfaction=satisfaction)

    a, oa = walk_to_handling(db, at=t)
    finish(a, oa, t + h, "satisfied")  # 满意
    act(db, OPERATOR, a, "close", t + 4 * h)
    b, ob = walk_to_handling(db, at=t)
    finish(b, ob, t + h, "basically_satisfied")  # 基本满意
    act(db, OPERATOR, b, "close", t + 4 * h)
    c, oc = walk_to_handling(db, at=t)
    _resolve(db, c, oc, t + h)
    act(db, OPERATOR, c, "rework", t + 2 * h, reason="材料不全")  # 返工
    finish(c, oc, t + 3 * h, "unsatisfied")  # 不满意: 重办
    finish(c, oc, t + 6 * h, "satisfied")
    act(db, OPERATOR, c, "close", t + 9 * h)
    # D is due at the end of Thursday 3 Dec (7 working days) and closed on 9 Dec, late.
    d, od = walk_to_handling(db, at=t)
    finish(d, od, local(2026, 12, 9, 9, 0), "satisfied")
    act(db, OPERATOR, d, "close", local(2026, 12, 9, 12, 0))

    with db.begin() as s:
        k = compute_kpis(s, COUNTY, local(2026, 11, 24), local(2026, 12, 7),
                         now=local(2026, 12, 10))  # fmt: skip
    # Visits of A, B, C: 1 + 1 + 2 = 4; last visits 满意, 基本满意, 满意.
    assert k["closed"] == 3 and k["visits"] == 4
    assert k["satisfaction_strict_rate"] == 2 / 4 and k["satisfaction_broad_rate"] == 3 / 4
    # Resolutions of A, B, C: 1 + 1 + 3 (C: first, after 返工, after 重办); one 返工.
    assert k["reworks"] == 1 and k["resolutions"] == 5 and k["rework_rate"] == 1 / 5
    # D was open past its deadline when the period ended on 7 Dec: it stays overdue in that
    # period's figures although closed since, and on time is 3 ÷ (3 + 1).
    assert k["as_of_period_end"] is True
    assert k["overdue"] == 1 and k["due_to_close"] == 4 and k["on_time_rate"] == 3 / 4
    township = next(ch for ch in k["children"] if ch["code"] == "532622101")
    assert township["overdue"] == 1
    assert "满意 visits" in k["definitions"]["satisfaction_strict_rate"]
    # The period that holds D's closing counts it closed and late, not overdue.
    with db.begin() as s:
        k = compute_kpis(s, COUNTY, local(2026, 12, 7), local(2026, 12, 10),
                         now=local(2026, 12, 10))  # fmt: skip
    assert k["closed"] == 1 and k["closed_on_time"] == 0 and k["overdue"] == 0
