"""Every inbox tab downloads as CSV (UTF-8 with BOM) and XLSX: the rows are exactly the tab's
items (every page, the tab's order), worded in the page's language, 督办 included; on SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from dashboard.desk.inbox_export import inbox_sheet
from dashboard.i18n import tr
from dashboard.server.services import Services
from dispatch.cases import perform
from dispatch.desk.inbox import Tab, inbox_counts, inbox_page, tabs_for
from dispatch.principal import Principal, Role
from dispatch.sheets import csv_bytes, xlsx_bytes
from tests.dashboard.factories import make_case

COUNTY = "532600/532622"
TOWN = f"{COUNTY}/532622101"
VILLAGE = f"{TOWN}/532622101201"


def _desk(path: str, actor: str) -> Principal:
    return Principal(actor=actor, center_path=path, roles=frozenset({Role.OPERATOR}), name=actor)


def _fill(svc: Services, n: int) -> None:
    """``n`` township cases dispatched to the village, every third supervised by the county,
    plus some reported and accepted at the township."""
    town, county = _desk(TOWN, "town-op"), _desk(COUNTY, "county-op")
    now = datetime.now(UTC)
    for i in range(n):
        with svc.session_factory.begin() as s:
            case = make_case(s, "532622101", title=f"=SUM(A{i}) 村道纠纷 {i}", risk="low")
            at = now + timedelta(seconds=i)
            steps: list[tuple[Principal, str, dict[str, object]]] = [(town, "accept", {})]
            if i % 4 < 2:
                steps.append((town, "dispatch", {"lead": {"center": "532622101201"}}))
                if i % 3 == 0:
                    steps.append((county, "supervise",
                                  {"note": f"限期办结 {i}", "deadline": "2099-01-01"}))
            for who, action, payload in steps if i % 4 != 3 else ():  # every 4th stays reported
                perform(s, who, case.id, action, payload, sla=svc.sla, now=at)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_inbox_tab_exports_exactly_its_items(services_any: Services, lang: str) -> None:
    _fill(services_any, 60)
    now = datetime.now(UTC)
    for viewer in (_desk(VILLAGE, "village-op"), _desk(TOWN, "town-op")):
        with services_any.session_factory() as s:
            counts = inbox_counts(s, viewer)
        for tab in tabs_for(viewer):
            sheet = inbox_sheet(viewer, tab, lang, now)
            with services_any.session_factory() as s:
                shown = []
                offset = 0
                while True:  # the pages the screen shows, 20 at a time
                    page = inbox_page(s, viewer, tab, limit=20, offset=offset, now=now,
                                      policy=services_any.sla)
                    shown += page.items
                    offset += 20
                    if offset >= page.total:
                        break
            assert [r[0] for r in sheet.rows] == [i.number for i in shown], tab
            assert len(sheet.rows) == counts[tab], tab
            assert sheet.title == tr(f"desk.tab.{tab.value}", lang)
    village = _desk(VILLAGE, "village-op")
    with services_any.session_factory() as s:
        assert inbox_counts(s, village)[Tab.TO_SIGN] == 30 and inbox_counts(s, village)[Tab.SUPERVISED] == 10
    sheet = inbox_sheet(village, Tab.SUPERVISED, lang, now)
    head = [c.header for c in sheet.columns]
    row = dict(zip(head, sheet.rows[0], strict=True))
    assert row[tr("export.inbox.supervise", lang)].startswith("砚山县综治中心 · 限期办结 ")
    assert row[tr("field.deadline", lang)].isoformat() == "2099-01-01"
    assert row[tr("field.risk", lang)] == tr("risk.low", lang)
    assert row[tr("export.inbox.order", lang)] is None  # the tab lists cases
    to_sign = inbox_sheet(village, Tab.TO_SIGN, lang, now)
    signing = dict(zip(head, to_sign.rows[0], strict=True))
    assert signing[tr("export.inbox.order", lang)] == f"{tr('order_role.lead', lang)} · 东镇上村综治中心"
    assert isinstance(signing[tr("export.inbox.sign_deadline", lang)], datetime)
    # The files: CSV with its byte-order mark and formulas kept as text, XLSX the same rows.
    data = csv_bytes(sheet)
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == head and len(lines) == 11
    assert all(line[1].startswith("'=SUM(") for line in lines[1:])
    book = load_workbook(io.BytesIO(xlsx_bytes([sheet])))
    cells = list(book.active.iter_rows(values_only=True))
    assert list(cells[0]) == head and len(cells) == 11
    assert [c[0] for c in cells[1:]] == [r[0] for r in sheet.rows]
    assert cells[1][1].startswith("=SUM(") and book.active.cell(2, 2).data_type == "s"
