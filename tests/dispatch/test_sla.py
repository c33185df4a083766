"""Deadlines in working days under a holiday calendar with 调休, in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from config.holidays import HolidayCalendar
from config.sla import SlaPolicy
from dispatch.sla import TZ, Sla, WorkCalendar

HOLIDAYS = HolidayCalendar.model_validate(
    {
        "periods": [{"name": "国庆节", "start": "2026-10-01", "end": "2026-10-07"}],
        "off": ["2026-11-02"],
        "workdays": ["2026-09-20", "2026-10-10"],  # a Sunday and a Saturday worked (调休)
    }
)
SLA = Sla.build(SlaPolicy(), HOLIDAYS)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def test_weekends_holidays_and_make_up_days() -> None:
    cal = WorkCalendar(HOLIDAYS)
    assert cal.is_working_day(date(2026, 9, 20))  # Sunday, but 调休
    assert not cal.is_working_day(date(2026, 9, 19))  # ordinary Saturday
    assert not cal.is_working_day(date(2026, 10, 5))  # Monday inside 国庆
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, but 调休
    assert not cal.is_working_day(date(2026, 11, 2))  # a single day off
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4


@pytest.mark.parametrize(
    ("kind", "risk", "complexity", "reported", "due"),
    [
        # simple, Friday afternoon → end of Monday
        ("dispute", "low", "simple", local(2026, 9, 25, 16), local(2026, 9, 29)),
        # simple, the day before 国庆 → end of the first working day after it
        ("dispute", "low", "simple", local(2026, 9, 30, 10), local(2026, 10, 9)),
        # high risk → simple by the default rules; reported Saturday 19 Sep → the 调休 Sunday counts
        ("dispute", "high", None, local(2026, 9, 19, 9), local(2026, 9, 21)),
        # ordinary: 7 working days from Tue 24 Nov → end of Thu 3 Dec
        ("hazard", "low", None, local(2026, 11, 24, 10), local(2026, 12, 4)),
        # complex: petitions take 20 working days
        ("petition", "low", None, local(2026, 11, 2, 10), local(2026, 12, 1)),
        # emergencies run on the wall clock, over weekends and holidays
        ("emergency", "low", None, local(2026, 10, 3, 22), local(2026, 10, 4, 2)),
    ],
)
def test_deadline_by_kind_risk_and_calendar(
    kind: str, risk: str, complexity: str | None, reported: datetime, due: datetime
) -> None:
    assert SLA.deadline(kind, risk, reported, complexity) == due


def test_the_midnight_at_the_end_of_a_day_belongs_to_that_day_when_extended() -> None:
    due = local(2026, 9, 30)  # end of Tue 29 Sep
    assert SLA.extend(due, 1) == local(2026, 10, 1)  # end of Wed 30 Sep
    assert SLA.extend(due, 2) == local(2026, 10, 9)  # then 国庆: end of Thu 8 Oct
    assert SLA.extend(local(2026, 10, 9, 15), 1) == local(2026, 10, 10, 15)  # 调休 Saturday


def test_near_deadline_starts_at_the_configured_share_of_the_allowed_time() -> None:
    start = local(2026, 11, 24, 0)
    due = start + timedelta(hours=100)
    assert SLA.near_deadline_at(start, due) == due - timedelta(hours=20)


def test_first_matching_rule_and_override_pick_the_class() -> None:
    policy = SlaPolicy()
    assert policy.complexity_for("gathering", "high") == "emergency"
    assert policy.complexity_for("dispute", "high") == "simple"
    assert policy.complexity_for("dispute", "medium") == "ordinary"
    assert policy.complexity_for("dispute", "medium", "complex") == "complex"
