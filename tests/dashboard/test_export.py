"""The sheets behind the export buttons: every page of a list under its filter, headers and
enums worded in the page's language, times as instants, numbers as numbers, no camera address."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from dashboard.analysis.charts import child_rows, child_sheet, kpis
from dashboard.cameras.health import health_rows, health_sheet
from dashboard.desk.exports import archive_sheet, queue_sheet
from dashboard.i18n import tr
from dashboard.server.services import Services
from dashboard.shared.export import every_page, file_stem
from dispatch.cases import perform
from dispatch.desk.archive import ArchiveFilter, archive_page
from dispatch.queues import BY_KEY, queue_page
from dispatch.scopes import resolve
from dispatch.sheets import csv_bytes, xlsx_bytes
from tests.dashboard.factories import PREFECTURE, make_case, operator

COUNTY = "532622"


def test_every_page_reads_all_batches_up_to_the_limit() -> None:
    data = list(range(450))
    calls: list[tuple[int, int]] = []

    def fetch(offset: int, n: int) -> list[int]:
        calls.append((offset, n))
        return data[offset:offset + n]

    assert every_page(fetch) == data
    assert calls == [(0, 200), (200, 200), (400, 200)]
    assert every_page(fetch, limit=250) == data[:250]


def test_file_names_say_what_where_and_when_in_local_time() -> None:
    assert file_stem("归档", "532600", datetime(2026, 11, 30, 16, 5, tzinfo=UTC)) == "归档_532600_20261201-0005"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_queue_exports_every_case_of_the_view_worded(services: Services, lang: str) -> None:
    with services.session_factory.begin() as session:
        for i in range(7):
            make_case(session, COUNTY, title=f"=1+{i} 纠纷", kind="hazard" if i % 2 else "dispute")
    viewer = operator(PREFECTURE)
    now = datetime.now(UTC)
    sheet = queue_sheet(viewer, PREFECTURE, "all_open", lang, now)
    with services.session_factory() as session:
        page = queue_page(session, viewer, PREFECTURE, BY_KEY["all_open"], limit=200, now=now)
    assert [r[0] for r in sheet.rows] == [c.number for c in page.items]  # the list's order
    assert len(sheet.rows) == page.total == 7
    assert sheet.columns[0].header == tr("field.number", lang)
    assert {r[2] for r in sheet.rows} == {tr("state.reported", lang)}
    assert {r[5] for r in sheet.rows} == {tr("kind.hazard", lang), tr("kind.dispute", lang)}
    assert all(isinstance(r[9], datetime) for r in sheet.rows)
    book = load_workbook(io.BytesIO(xlsx_bytes([sheet])))
    ws = book.active
    assert ws.max_row == 8
    assert ws["B2"].data_type == "s" and ws["B2"].value.startswith("=1+")  # text, never a formula
    assert csv_bytes(sheet).decode("utf-8-sig").count("\r\n") == 8


def test_the_archive_exports_what_its_filter_selects(services: Services) -> None:
    with services.session_factory.begin() as session:
        cases = [make_case(session, COUNTY, title=f"归档{i}", kind="dispute" if i < 3 else "hazard")
                 for i in range(5)]
        for case in cases:
            perform(session, operator(), case.id, "refuse", {"reason": "不属于受理范围"}, sla=services.sla)
    viewer = operator(PREFECTURE)
    wanted = ArchiveFilter(scope_path=PREFECTURE, kind="hazard")
    sheet = archive_sheet(viewer, wanted, "zh-CN")
    with services.session_factory() as session:
        page = archive_page(session, viewer, wanted, limit=200)
    assert page.total == 2
    assert [r[0] for r in sheet.rows] == [c.number for c in page.items]
    assert {r[2] for r in sheet.rows} == {"不予受理"}
    assert {r[5] for r in sheet.rows} == {"安全隐患"}


def test_camera_health_exports_numbers_and_no_address(services: Services) -> None:
    with services.session_factory() as session:
        rows = health_rows(session, PREFECTURE, [], "zh-CN")
    assert rows, "the small deployment has cameras"
    sheet = health_sheet(rows, "zh-CN")
    assert [c.header for c in sheet.columns][:4] == ["名称", "所属中心", "层级", "状态"]
    assert [r[0] for r in sheet.rows] == [r["name"] for r in rows]
    blob = csv_bytes(sheet).decode("utf-8-sig") + repr(sheet.rows)
    assert "rtsp://" not in blob and "://" not in blob
    assert "—" not in blob, "no figure reads as a dash cell: missing ones are empty"


def test_the_analysis_table_keeps_rates_as_numbers(services: Services) -> None:
    with services.session_factory.begin() as session:
        for _ in range(3):
            make_case(session, COUNTY)
    now = datetime.now(UTC)
    with services.session_factory() as session:
        k = kpis(session, resolve(session, operator(), PREFECTURE), 30, now)
    children = [c for c in k["children"] if c["reported"] or c["closed"] or c["open"]]
    sheet = child_sheet(children, "zh-CN")
    shown = child_rows(children, "zh-CN")
    assert [c.header for c in sheet.columns] == list(shown[0])  # the same columns as on screen
    assert [r[0] for r in sheet.rows] == [s["中心"] for s in shown]
    ws = load_workbook(io.BytesIO(xlsx_bytes([sheet]))).active
    assert ws["B2"].value == 3 and ws["B2"].data_type == "n"


def test_the_alert_list_exports_one_row_per_subject_as_filtered(services: Services) -> None:
    from dashboard.alerts.exports import alerts_sheet
    from dispatch.alerts import AlertFilter, raise_alert
    from dispatch.types import AlertKind, Severity

    with services.session_factory.begin() as session:
        raise_alert(session, AlertKind.CAMERA_OFFLINE, Severity.CRITICAL, "532600/532621",
                    "=cmd|' /C calc'!A0", "camera_offline:a", camera_id=None)
        raise_alert(session, AlertKind.CAMERA_OFFLINE, Severity.WARNING, "532600/532622",
                    "摄像机离线", "camera_offline:b", camera_id=None)
    viewer = operator(PREFECTURE)
    every = alerts_sheet(viewer, PREFECTURE, AlertFilter(), "zh-CN")
    assert len(every.rows) == 2
    assert [c.header for c in every.columns][:3] == ["级别", "类型", "次数"]
    assert {r[0] for r in every.rows} == {tr("severity.critical", "zh-CN"), tr("severity.warning", "zh-CN")}
    assert all(r[8] == "未确认" and isinstance(r[4], datetime) for r in every.rows)
    critical = alerts_sheet(viewer, PREFECTURE, AlertFilter(severities=("critical",)), "en")
    assert len(critical.rows) == 1 and critical.rows[0][0] == "Critical"
    messages = {r[5] for r in every.rows}
    assert "=cmd|' /C calc'!A0" in messages  # the alert's own text, as stored
    assert ",'=cmd|' /C calc'!A0," in csv_bytes(every).decode("utf-8-sig")  # kept as text in CSV
