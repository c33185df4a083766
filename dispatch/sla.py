"""Deadlines under the holiday calendar and the working hours, in the product's zone
(:data:`dispatch.localtime.TZ`, Asia/Shanghai by default).

Each limit of the policy states its clock (:class:`config.sla.Clock`):

* ``working_days``: N working days end at midnight (local) after the Nth working day following
  the day of the report, so a matter reported on Friday afternoon with one working day is due
  at the end of Monday (or of the 调休 Sunday, when that Sunday is worked);
* ``working_hours``: N hours inside the policy's working hours of working days (a report at
  17:30 on Friday with 2 working hours, under 08:30–12:00 / 14:30–18:00, is due on Monday at
  10:00); without declared working hours a working day counts whole;
* ``wall``: hours on the wall clock (emergencies do not wait for Monday).

A pause (缓办) moves the deadline by the working time it lasted, counted the same way
(:meth:`Sla.resume_deadline`): a case paused Monday 10:00 and resumed Tuesday 10:00 gets one
working day's worth, so a deadline at the end of 30 September lands after the National Day
holiday, not inside it.

The calendar knows the years up to :attr:`WorkCalendar.last_year`; a deadline computed beyond
it is logged (once per year) naming the missing year, and :meth:`Sla.calendar_gap` answers it
for the duty page's warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from config.holidays import HolidayCalendar
from config.sla import Clock, Deadline, SlaPolicy
from dispatch.localtime import TZ

# TZ stays importable from here: pages and older modules read the product zone as sla.TZ.
__all__ = ["TZ", "Sla", "WorkCalendar"]

log = logging.getLogger("dispatch.sla")
#: Longest stretch a working-time computation walks before giving up (ten years of days).
MAX_DAYS = 3660


class WorkCalendar:
    """Which local dates are working days, and the working hours of a working day."""

    def __init__(
        self,
        holidays: HolidayCalendar | None = None,
        windows: list[tuple[time, time]] | None = None,
    ) -> None:
        holidays = holidays if holidays is not None else HolidayCalendar()
        self._off, self._worked = holidays.resolved()
        self.last_year: int | None = holidays.last_year()
        self.windows = list(windows or [])
        #: Years past :attr:`last_year` that a computation needed (and so guessed).
        self.missing_years: set[int] = set()

    def _beyond(self, day: date) -> None:
        if day.year not in self.missing_years:
            self.missing_years.add(day.year)
            log.warning(
                "holiday calendar: no official schedule for %s (the calendar ends with %s); "
                "deadlines in %s count weekends only. Update the chinesecalendar package or "
                "list %s's holidays in the deployment file's [holidays]",
                day.year, self.last_year, day.year, day.year,
            )  # fmt: skip

    def is_working_day(self, day: date) -> bool:
        if self.last_year is None or day.year > self.last_year:
            self._beyond(day)
        if day in self._worked:
            return True
        return day.weekday() < 5 and day not in self._off

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working spans of a local day, as local datetimes."""
        if not self.is_working_day(day):
            return []
        midnight = datetime.combine(day, time(0), tzinfo=TZ)
        if not self.windows:
            return [(midnight, midnight + timedelta(days=1))]
        return [
            (
                datetime.combine(day, start, tzinfo=TZ),
                midnight + timedelta(days=1)
                if end == time.max
                else datetime.combine(day, end, tzinfo=TZ),
            )
            for start, end in self.windows
        ]

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working time in ``[start, end)``, in whole seconds."""
        if end <= start:
            return 0
        s, e = start.astimezone(TZ), end.astimezone(TZ)
        total = timedelta(0)
        day = s.date()
        while day <= e.date():
            for lo, hi in self._spans(day):
                if min(hi, e) > max(lo, s):
                    total += min(hi, e) - max(lo, s)
            day += timedelta(days=1)
        return int(total.total_seconds())

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant after which ``seconds`` of working time have passed since
        ``start`` (UTC)."""
        remaining = timedelta(seconds=seconds)
        s = start.astimezone(TZ)
        if remaining <= timedelta(0):
            return start.astimezone(UTC)
        day = s.date()
        for _ in range(MAX_DAYS):
            for lo, hi in self._spans(day):
                lo = max(lo, s)
                if lo >= hi:
                    continue
                if hi - lo >= remaining:
                    return (lo + remaining).astimezone(UTC)
                remaining -= hi - lo
            day += timedelta(days=1)
        raise ValueError("no working time within ten years: check the calendar")

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


def _is_local_midnight(at: datetime) -> bool:
    return at.astimezone(TZ).time() == time(0)


@dataclass(frozen=True)
class Sla:
    """The policy and the calendar together: what every deadline computation needs."""

    policy: SlaPolicy
    calendar: WorkCalendar

    @classmethod
    def build(cls, policy: SlaPolicy | None = None, holidays: HolidayCalendar | None = None) -> Sla:
        policy = policy or SlaPolicy()
        return cls(policy, WorkCalendar(holidays, policy.windows()))

    def rule(self, kind: str, risk: str, complexity: str | None = None) -> Deadline:
        """The limit that applies to a case (its kind of clock included)."""
        return self.policy.deadline_for(kind, risk, complexity)

    def due(self, rule: Deadline, start: datetime) -> datetime:
        """When a limit counted from ``start`` ends (UTC)."""
        if rule.clock == Clock.WALL:
            assert rule.hours is not None
            return (start + timedelta(hours=rule.hours)).astimezone(UTC)
        if rule.clock == Clock.WORKING_HOURS:
            assert rule.hours is not None
            return self.calendar.add_working_seconds(start, rule.hours * 3600)
        assert rule.working_days is not None
        local_day = start.astimezone(TZ).date()
        return _end_of_local_day(self.calendar.add_working_days(local_day, rule.working_days))

    def deadline(
        self, kind: str, risk: str, reported_at: datetime, complexity: str | None = None
    ) -> datetime:
        """When a case of this kind and risk, reported at ``reported_at``, is due (UTC)."""
        return self.due(self.rule(kind, risk, complexity), reported_at)

    def paused_time(self, clock: Clock, suspended_at: datetime, resumed_at: datetime) -> int:
        """How much of the case's clock a pause took, in seconds of that clock: wall seconds
        for a wall-clock limit, working seconds otherwise."""
        if clock == Clock.WALL:
            return max(0, int((resumed_at - suspended_at).total_seconds()))
        return self.calendar.working_seconds(suspended_at, resumed_at)

    def resume_deadline(
        self, clock: Clock, due_at: datetime, suspended_at: datetime, resumed_at: datetime
    ) -> datetime:
        """The deadline after a pause (缓办) from ``suspended_at`` to ``resumed_at``: moved by
        the pause's time on the case's own clock. A deadline in working days stays at the end
        of a local day when the pause's working time runs out at that day's last working
        hour."""
        paused = self.paused_time(clock, suspended_at, resumed_at)
        if clock == Clock.WALL:
            return (due_at + timedelta(seconds=paused)).astimezone(UTC)
        moved = self.calendar.add_working_seconds(due_at, paused)
        if clock == Clock.WORKING_DAYS and _is_local_midnight(due_at):
            end = _end_of_local_day(moved.astimezone(TZ).date())
            if not _is_local_midnight(moved) and self.calendar.working_seconds(moved, end) == 0:
                return end
        return moved

    def calendar_gap(self, now: datetime | None = None) -> int | None:
        """The first year a deadline needed that the holiday calendar does not know: any
        computed so far in this process, or the longest limit counted from ``now``. None when
        the calendar covers them."""
        now = now or datetime.now(UTC)
        longest = max(
            self.policy.deadlines.values(),
            key=lambda r: (r.working_days or 0, r.hours or 0),
        )
        self.due(longest, now)
        return min(self.calendar.missing_years) if self.calendar.missing_years else None

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


def require_calendar(sla: Sla, *, allowed_without: bool, settings_file: object = None) -> None:
    """Refuse to serve without a holiday calendar (deadlines would count every weekday as a
    working day, 国庆 included) unless the settings say so explicitly
    (``allow_without_holidays``). Raises :class:`config.errors.ConfigError` naming the
    setting; logs when serving anyway."""
    from config.errors import ConfigError

    if sla.calendar.last_year is not None:
        return
    if allowed_without:
        log.warning("serving without a holiday calendar (allow_without_holidays = true)")
        return
    raise ConfigError(
        settings_file,  # type: ignore[arg-type]
        "no holiday calendar: the chinesecalendar package is not installed (or the deployment "
        "sets [holidays] official = false) and the deployment file lists no holidays; install "
        "it, list the holidays, or set allow_without_holidays = true to serve with weekends "
        "only",
        field="allow_without_holidays",
    )
