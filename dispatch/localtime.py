"""The product's time zone: one place, set from the ``timezone`` setting at start-up.

Working days, case numbers, daily KPIs and dates shown to people are local dates of this
zone (default Asia/Shanghai). :data:`TZ` is a ``tzinfo`` that always follows the configured
zone, so ``value.astimezone(TZ)`` anywhere sees a change made by :func:`set_timezone`.

The zone must keep one UTC offset all year (China has kept UTC+8 without daylight saving since
1991): the daily KPI counters key every change by its local day on a hot path, and a fixed
offset makes that one addition (``(epoch + offset) // 86400``) instead of a zone lookup per
timestamp. :func:`set_timezone` derives the offset from the zone and refuses a zone that
observes daylight saving, rather than count days wrongly twice a year.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.settings import Settings

#: The setting's default, so a process that never calls :func:`set_timezone` uses it too.
DEFAULT_TIMEZONE: str = Settings.model_fields["timezone"].default
#: Years over which a zone must keep one offset (from China's last daylight saving on).
CHECKED_YEARS = range(1992, 2100)


def fixed_offset(name: str) -> int:
    """The zone's UTC offset in seconds; ValueError if unknown or not fixed."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    offsets = {
        datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset()
        for year in CHECKED_YEARS
        for month in (1, 7)
    }
    if len(offsets) != 1:
        raise ValueError(
            f"time zone {name!r} changes its UTC offset (daylight saving); daily KPIs need a "
            "zone with one offset all year"
        )
    (offset,) = offsets
    assert offset is not None
    return int(offset.total_seconds())


class ProductZone(tzinfo):
    """The configured zone as a fixed-offset ``tzinfo`` (see the module's note)."""

    def __init__(self, name: str = DEFAULT_TIMEZONE) -> None:
        self.set(name)

    def set(self, name: str) -> None:
        offset = fixed_offset(name)
        self.name = name
        self.offset = offset  # seconds east of UTC
        self.offset_us = offset * 1_000_000
        self._delta = timedelta(seconds=offset)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self._delta

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self.name

    def fromutc(self, dt: datetime) -> datetime:
        return (dt + self._delta).replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"ProductZone({self.name!r})"


TZ = ProductZone()


def set_timezone(name: str) -> None:
    """Make ``name`` the product's zone (call once at start-up, before serving)."""
    TZ.set(name)
