"""Deadlines: working days under the holiday calendar, in the product's zone
(:data:`dispatch.localtime.TZ`, Asia/Shanghai by default).

A deadline of N working days ends at midnight (local) after the Nth working day following
the day of the report, so a matter reported on Friday afternoon with one working day is due at
the end of Monday (or of the 调休 Sunday, when that Sunday is worked). Hour deadlines run on the
wall clock: emergencies do not wait for Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from config.holidays import HolidayCalendar
from config.sla import SlaPolicy
from dispatch.localtime import TZ

# TZ stays importable from here: pages and older modules read the product zone as sla.TZ.
__all__ = ["TZ", "Sla", "WorkCalendar"]


class WorkCalendar:
    """Which local dates are working days."""

    def __init__(self, holidays: HolidayCalendar | None = None) -> None:
        holidays = holidays or HolidayCalendar()
        self._off = frozenset(holidays.days_off())
        self._worked = frozenset(holidays.workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self._worked:
            return True
        return day.weekday() < 5 and day not in self._off

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day strictly after ``start`` (``n`` ≥ 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def _end_of_local_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC)


@dataclass(frozen=True)
class Sla:
    """The policy and the calendar together: what every deadline computation needs."""

    policy: SlaPolicy
    calendar: WorkCalendar

    @classmethod
    def build(cls, policy: SlaPolicy | None = None, holidays: HolidayCalendar | None = None) -> Sla:
        return cls(policy or SlaPolicy(), WorkCalendar(holidays))

    def deadline(
        self, kind: str, risk: str, reported_at: datetime, complexity: str | None = None
    ) -> datetime:
        """When a case of this kind and risk, reported at ``reported_at``, is due (UTC)."""
        rule = self.policy.deadlines[self.policy.complexity_for(kind, risk, complexity)]
        if rule.hours is not None:
            return (reported_at + timedelta(hours=rule.hours)).astimezone(UTC)
        assert rule.working_days is not None
        local_day = reported_at.astimezone(TZ).date()
        return _end_of_local_day(self.calendar.add_working_days(local_day, rule.working_days))

    def extend(self, due_at: datetime, working_days: int) -> datetime:
        """An approved 延期: the same local time, ``working_days`` working days later."""
        local = due_at.astimezone(TZ)
        # A deadline at local midnight closes the previous day; extend from that day.
        anchor = (local - timedelta(microseconds=1)).date()
        day = self.calendar.add_working_days(anchor, working_days)
        if local.time() == time(0):
            return _end_of_local_day(day)
        return datetime.combine(day, local.time(), tzinfo=TZ).astimezone(UTC)

    def near_deadline_at(self, started_at: datetime, due_at: datetime) -> datetime:
        """From this moment the case counts as near its deadline."""
        allowed = due_at - started_at
        return due_at - allowed * self.policy.near_deadline_fraction
