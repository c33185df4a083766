"""Rates with nothing to divide read "—", never 100%: on the wall's ribbon, in the KPIs, and on
the analysis page (metrics and the table of lower centers)."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from dashboard.analysis.charts import child_chart, percent
from dashboard.server.access import open_principal
from dashboard.server.services import Services
from dispatch.kpi import compute_kpis
from dispatch.wall import ribbon
from tests.dashboard.conftest import ENTRY
from tests.dashboard.factories import PREFECTURE, make_case

EMPTY = f"{PREFECTURE}/532622"  # a county without a single case
RATES = ("closure_rate", "on_time_rate", "satisfaction_rate")


def analysis(svc: Services, path: str) -> AppTest:
    svc.open_principal = open_principal(path)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("../analysis/page.py")
    return at.run()


def test_an_empty_center_has_no_rates(services: Services) -> None:
    now = datetime.now(UTC)
    with services.session_factory() as session:
        wall = ribbon(session, EMPTY, now)
        kpis = compute_kpis(session, EMPTY, now.replace(month=1, day=1), now, now=now)
    assert [wall[k] for k in ("closure_rate", "on_time_rate", "satisfaction")] == [None, None, None]
    assert [kpis[k] for k in RATES] == [None, None, None]
    assert percent(None) == "—" and percent(1.0) == "100.0%"


def test_the_analysis_page_shows_a_dash_for_an_empty_center(services: Services) -> None:
    at = analysis(services, EMPTY)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    shown = ("结案率", "按期结案率", "满意率（仅满意）", "满意率（满意+基本满意）")
    assert [metrics[k] for k in shown] == ["—"] * 4
    assert "100.0%" not in str(metrics)


def test_a_lower_center_without_closed_cases_shows_dashes(services: Services) -> None:
    with services.session_factory.begin() as session:
        make_case(session, "532621101201", title="井盖缺失")
    at = analysis(services, f"{PREFECTURE}/532621")
    table = at.dataframe[0].value
    row = table.iloc[0]
    shown = ("结案率", "按期结案率", "满意率（仅满意）", "满意率（满意+基本满意）", "返工率", "延期率")
    assert [row[k] for k in shown] == ["—"] * 6
    figure = child_chart([{"name": "东镇综治中心", **dict.fromkeys(RATES)}], "zh-CN")
    assert all(y is None for bar in figure.data for y in bar.y)  # no bar, not a 0% bar
