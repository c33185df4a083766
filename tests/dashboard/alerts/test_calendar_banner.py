"""The duty page warns when the holiday calendar ends before a deadline it had to compute."""

from __future__ import annotations

from datetime import datetime

from streamlit.testing.v1 import AppTest

from config.holidays import HolidayCalendar
from dashboard.server.services import Services
from dashboard.shared.calendar_notice import calendar_notice
from dispatch.localtime import TZ
from dispatch.sla import Sla
from tests.dashboard.conftest import ENTRY


def alerts_page() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    return at.switch_page("../alerts/page.py").run()


def banners(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_the_calendar_edge_shows_on_the_alert_page(services: Services) -> None:
    sla = Sla.build()
    last = sla.calendar.last_year
    assert last is not None
    # Seven working days from the end of the calendar's last year run into a year it lacks.
    sla.deadline("dispute", "low", datetime(last, 12, 28, 10, 0, tzinfo=TZ))
    services.sla = sla
    at = alerts_page()
    assert not at.exception, at.exception
    (zh,) = [b for b in banners(at) if str(last + 1) in b]
    assert "节假日" in zh and str(last) in zh
    en = calendar_notice(sla, "en")  # what the page shows an English viewer
    assert en is not None and f"holiday calendar ends with {last}" in en


def test_no_banner_while_the_calendar_covers_every_deadline(services: Services) -> None:
    services.sla = Sla.build(None, HolidayCalendar(known_through=datetime.now(TZ).year + 2))
    at = alerts_page()
    assert not at.exception, at.exception
    assert not [b for b in banners(at) if "节假日" in b]
