"""The holiday calendar: public holidays and 调休 make-up working days.

China's State Council publishes each year's schedule in November; deployments copy it into
their file. Weekends are days off unless listed in ``workdays`` (调休); weekdays are working
days unless listed in ``off`` or inside a ``periods`` range.
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
        days = set(self.off)
        for period in self.periods:
            days.update(period.days())
        return days
