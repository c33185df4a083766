"""The product's time zone comes from the setting, in one place, and every local date follows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from config.settings import Settings
from dispatch.localtime import TZ, set_timezone
from dispatch.rollup import local_day, local_midnight, to_us, us_day
from dispatch.sla import Sla


@pytest.fixture
def tokyo() -> Iterator[None]:
    set_timezone("Asia/Tokyo")
    try:
        yield
    finally:
        set_timezone(Settings().timezone)


def test_the_default_setting_is_the_default_zone() -> None:
    assert Settings().timezone == TZ.name == "Asia/Shanghai" and TZ.offset == 8 * 3600


def test_days_and_deadlines_follow_the_configured_zone(tokyo: None) -> None:
    # 15:30 UTC is 00:30 the next day in Tokyo (UTC+9) but still 23:30 in Shanghai.
    at = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    assert at.astimezone(TZ).day == 25
    assert local_day(at.timestamp()) == us_day(to_us(at))
    assert local_midnight(local_day(at.timestamp())) == datetime(2026, 11, 24, 15, tzinfo=UTC)
    due = Sla.build().deadline("dispute", "high", at)  # one working day: end of Thursday 26th
    assert due == datetime(2026, 11, 26, 15, tzinfo=UTC)


def test_a_zone_with_daylight_saving_is_refused() -> None:
    with pytest.raises(ValueError, match="daylight saving"):
        set_timezone("Europe/Berlin")
    assert TZ.name == "Asia/Shanghai"
