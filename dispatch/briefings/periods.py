"""Periods of briefings in local dates: a day, a Monday-to-Sunday week, a month, a quarter.

Every period is ``[start, end)`` in local dates of the product's zone; the KPI figures of
a period are those of ``compute_kpis`` over the same local days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch.briefings.model import Kind
from dispatch.localtime import TZ


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def start_at(self) -> datetime:
        """Local midnight opening the period, as an aware datetime."""
        return datetime.combine(self.start, datetime.min.time(), TZ)

    def end_at(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), TZ)

    def previous(self) -> Period:
        """The period just before (yesterday, last week, last month, last quarter)."""
        return period_of(self.kind, self.start - timedelta(days=1))

    def year_ago(self) -> Period:
        """The same period a year before: the same date, the same ISO week (52 weeks back, so
        Monday to Sunday again), the same month or quarter of the previous year."""
        if self.kind == Kind.WEEKLY:
            return period_of(self.kind, self.start - timedelta(weeks=52))
        try:
            then = self.start.replace(year=self.start.year - 1)
        except ValueError:  # 29 February
            then = self.start.replace(year=self.start.year - 1, day=28)
        return period_of(self.kind, then)


def _month_start(d: date, months: int = 0) -> date:
    n = d.year * 12 + d.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def period_of(kind: Kind | str, day: date) -> Period:
    """The period of ``kind`` holding local date ``day``."""
    kind = Kind(kind)
    if kind == Kind.DAILY:
        return Period(kind, day, day + timedelta(days=1))
    if kind == Kind.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == Kind.MONTHLY:
        start = _month_start(day)
        return Period(kind, start, _month_start(start, 1))
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return Period(kind, start, _month_start(start, 3))


def last_finished(kind: Kind | str, now: datetime) -> Period:
    """The latest period of ``kind`` that has ended by ``now`` (local time)."""
    today = now.astimezone(TZ).date()
    return period_of(kind, today).previous()
