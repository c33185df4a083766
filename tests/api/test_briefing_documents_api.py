"""``GET /api/briefings/{id}.pdf`` and ``.xlsx`` through the auth middleware with tokens, on
SQLite and PostgreSQL: the document of a briefing the caller may read, named after its center,
kind and period, in Chinese or English; the same visibility as the JSON route (a draft only at
its own center, a signed one also above it, never beside it); a bad language refused by name."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import unquote

from openpyxl import load_workbook
from pypdf import PdfReader

from dispatch.briefings.store import generate_and_save, sign
from dispatch.principal import Role
from tests.api.conftest import COUNTY, OTHER_TOWNSHIP, TOWNSHIP, Served
from tests.dispatch.factories import T0, new_case, principal
from tests.dispatch.factories import TOWNSHIP as TOWNSHIP_PATH


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def test_a_briefing_downloads_as_pdf_and_xlsx_within_its_scope(served: Served) -> None:
    new_case(served.db, at=T0)
    with served.db.begin() as s:
        b = generate_and_save(s, TOWNSHIP_PATH, "daily", date(2026, 11, 24), now=T0)
    here = {"Authorization": f"Bearer {served.token('township', TOWNSHIP, ['report'])}"}
    above = {"Authorization": f"Bearer {served.token('county', COUNTY, ['report'])}"}
    beside = {"Authorization": f"Bearer {served.token('beside', OTHER_TOWNSHIP, ['report'])}"}
    with served.client() as c:
        r = c.get(f"/api/briefings/{b.id}.pdf", headers=here)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        disposition = r.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="briefing-{b.id}.pdf"')
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"{b.center.name}日小结_2026-11-24.pdf"
        text = text_of(r.content)
        assert b.center.name in text and "日小结" in text and "第1页" in text
        assert b.narrative["zh-CN"].replace(" ", "") in text.replace("\n", "")  # its figures, worded

        english = c.get(f"/api/briefings/{b.id}.pdf?lang=en", headers=here)
        assert english.status_code == 200 and "Dailysummary" in text_of(english.content)

        x = c.get(f"/api/briefings/{b.id}.xlsx", headers=here)
        assert x.status_code == 200
        assert x.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
        book = load_workbook(io.BytesIO(x.content))
        figures = book["关键指标"]
        assert figures["A1"].value == "上报" and figures["A2"].value == b.headline["reported"]

        bad = c.get(f"/api/briefings/{b.id}.pdf?lang=fr", headers=here)
        assert bad.status_code == 422 and bad.json()["field"] == "lang"
        assert c.get(f"/api/briefings/{b.id}.pdf?format=a3", headers=here).status_code == 422
        # A draft is its own center's working copy; the county sees it once signed.
        assert c.get(f"/api/briefings/{b.id}.pdf", headers=above).status_code == 404
        with served.db.begin() as s:
            sign(s, principal(TOWNSHIP_PATH, Role.DUTY_OFFICER, actor="duty"), b.id or 0, "平稳", now=T0)
        signed = c.get(f"/api/briefings/{b.id}.pdf", headers=above)
        assert signed.status_code == 200 and "平稳" in text_of(signed.content)
        assert c.get(f"/api/briefings/{b.id}.xlsx", headers=above).status_code == 200
        for path in (f"/api/briefings/{b.id}.pdf", f"/api/briefings/{b.id}.xlsx"):
            answer = c.get(path, headers=beside)
            assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/json")
        assert c.get("/api/briefings/999999.pdf", headers=here).status_code == 404
        assert c.get(f"/api/briefings/{b.id}.pdf").status_code == 401
