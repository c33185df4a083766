"""The holiday calendar: public holidays and 调休 make-up working days.

China's State Council publishes each year's schedule in November. By default (``official =
true``) the schedule comes from the ``chinesecalendar`` package (module ``chinese_calendar``),
which follows those notices and ships them as data: nothing is fetched at run time, and
updating the package brings the next year. The deployment's ``[holidays]`` table adds or
overrides days on top of it (local holidays, a 调休 the county works differently): a day the
file lists as off is off, a day it lists in ``workdays`` is worked, whatever the package says.

Weekends are days off unless worked (调休); weekdays are working days unless off. The calendar
knows the years up to :meth:`HolidayCalendar.last_year`: the package's last year, or
``known_through`` when the file lists a later year's schedule itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field, ValidationInfo, field_validator, model_validator

from config.streams import StrictModel


class HolidayPeriod(StrictModel):
    name: str = Field(min_length=1, max_length=40, title="Holiday name, e.g. 国庆节")
    start: date = Field(title="First day off")
    end: date = Field(title="Last day off (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> HolidayPeriod:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end - self.start).days > 31:
            raise ValueError("a holiday period longer than 31 days is almost certainly a typo")
        return self

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


class HolidayCalendar(StrictModel):
    official: bool = Field(
        True, title="Take the State Council's schedule from the chinesecalendar package"
    )
    known_through: int | None = Field(
        None, ge=2000, le=2200,
        title="Last year whose whole official schedule this file lists (beyond the package's)",
    )
    periods: list[HolidayPeriod] = Field(default_factory=list, title="Holiday periods")
    off: list[date] = Field(default_factory=list, title="Single days off")
    workdays: list[date] = Field(
        default_factory=list, title="调休 make-up working days (weekend days that are worked)"
    )

    @field_validator("workdays")
    @classmethod
    def _not_also_off(cls, workdays: list[date], info: ValidationInfo) -> list[date]:
        off = set(info.data.get("off", []))
        for period in info.data.get("periods", []):
            off.update(period.days())
        both = off & set(workdays)
        if both:
            raise ValueError(
                f"{min(both)} is listed both as a day off and as a make-up working day"
            )
        return workdays

    def days_off(self) -> set[date]:
        """Days off the file itself lists (without the official schedule)."""
        days = set(self.off)
        for period in self.periods:
            days.update(period.days())
        return days

    def listed_years(self) -> set[int]:
        return {d.year for d in (*self.days_off(), *self.workdays)}

    def last_year(self) -> int | None:
        """The last year this calendar knows (None: it knows none)."""
        years = [y for y in (self.known_through,) if y is not None]
        if self.official:
            schedule = official_schedule()
            if schedule is not None:
                years.append(schedule.last_year)
        elif self.listed_years():
            years.append(max(self.listed_years()))
        return max(years) if years else None

    def resolved(self) -> tuple[frozenset[date], frozenset[date]]:
        """``(days off, weekend days worked)``: the official schedule (when taken) with the
        file's own entries over it."""
        listed_off, listed_worked = self.days_off(), set(self.workdays)
        off: set[date] = set()
        worked: set[date] = set()
        schedule = official_schedule() if self.official else None
        if schedule is not None:
            off |= schedule.off
            worked |= schedule.worked
        off = (off - listed_worked) | listed_off
        worked = (worked - listed_off) | listed_worked
        return frozenset(off), frozenset(worked)


class OfficialSchedule:
    """The package's days: holidays falling on weekdays are off, 调休 weekend days worked."""

    def __init__(self, holidays: dict[date, object], workdays: dict[date, object]) -> None:
        self.off = frozenset(d for d in holidays if d.weekday() < 5)
        self.worked = frozenset(d for d in workdays if d.weekday() >= 5)
        self.last_year = max(d.year for d in holidays)


_SCHEDULE: list[OfficialSchedule | None] = []


def official_schedule() -> OfficialSchedule | None:
    """The State Council's schedule from the ``chinesecalendar`` package (None if it is not
    installed: the caller then has only the deployment file's days)."""
    if not _SCHEDULE:
        try:
            import chinese_calendar
        except ImportError:
            _SCHEDULE.append(None)
        else:
            _SCHEDULE.append(
                OfficialSchedule(chinese_calendar.holidays, chinese_calendar.workdays)
            )
    return _SCHEDULE[0]
