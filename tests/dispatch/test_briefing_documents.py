"""Briefings as documents: the PDF (A4, the CJK font embedded, the center and period in every
page's header, page numbers, charts as vector drawings) reads back with the center's name and
every figure; its pages render to pictures (``artifacts/briefings/``) that are not blank and
carry the charts' colours; the XLSX reopens with the same numbers as numeric cells, one sheet
per table. On SQLite and PostgreSQL (the generated prefecture of the KPI tests)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard.i18n.words import words_for
from dispatch.briefings import Briefing, generate
from dispatch.briefings.model import Signature, Status
from dispatch.briefings.pdf import render_pdf
from dispatch.briefings.words import HEADLINE, cell_text
from dispatch.briefings.xlsx import render_xlsx
from tests.dispatch.factories import COUNTY, PREFECTURE
from tests.dispatch.test_kpi import NOW
from tests.dispatch.test_kpi import demo_db as demo_db  # noqa: F401  (the shared fixture)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "briefings"
ZH = words_for("zh-CN")
EN = words_for("en")


def weekly(factory: Any, path: str = PREFECTURE) -> Briefing:
    with factory() as session:
        return generate(session, path, "weekly", date(2026, 11, 16), now=NOW)


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_reads_back_the_center_the_period_and_every_figure(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    b = weekly(factory)
    data = render_pdf(b, ZH)
    assert data.startswith(b"%PDF-")
    reader, pages = pdf_text(data)
    assert len(pages) >= 3
    for n, page in enumerate(reader.pages, start=1):
        assert [round(float(x)) for x in page.mediabox[2:]] == [595, 842], "A4"
        text = squash(pages[n - 1])
        assert b.center.name in text  # the header of every page
        assert "周研判·2026-11-16至2026-11-22" in text
        assert f"第{n}页，共{len(pages)}页" in text
    everything = squash("".join(pages))
    assert f"{b.center.name}周研判" in everything  # the title
    for name, _key, kind in HEADLINE:
        if name in b.headline:
            assert ZH.text(_key) in everything
            assert cell_text(kind, b.headline[name], ZH) in everything, name
    assert squash(b.narrative["zh-CN"]) in everything
    for table in b.tables():  # every table's title, and every cell of it
        assert squash(ZH.text(table.title)) in everything
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=True):
                assert squash(cell_text(column.kind, value, ZH)) in everything, (table.key, column.key, value)
    fonts = {
        str(font["/BaseFont"]): font
        for page in reader.pages
        for font in (page["/Resources"]["/Font"].get_object()).values()
    }
    assert fonts, "the pages name their fonts"
    for font in fonts.values():  # a TrueType subset embedded, nothing left to the reader
        font = font.get_object()
        descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]


def test_the_pdf_pages_render_with_their_charts(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    b = weekly(factory)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(render_pdf(b, ZH))
    blue = 0
    for i in range(len(pdf)):
        image = pdf[i].render(scale=1.5).to_pil().convert("RGB")
        image.save(ARTIFACTS / f"weekly-{i + 1}.png")
        colours = image.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 20, f"page {i + 1} is blank"
        blue += sum(n for n, (r, g, bb) in colours if (r, g, bb) == (0x2F, 0x6F, 0xDE))
    assert blue > 5000, "the bar and pie charts are drawn in the first series' colour"
    # Vector charts: the page content draws rectangles and paths, not an embedded picture.
    reader = PdfReader(io.BytesIO(render_pdf(b, ZH)))
    assert not any("/XObject" in page["/Resources"] and any(
        x.get_object().get("/Subtype") == "/Image" for x in page["/Resources"]["/XObject"].get_object().values())
        for page in reader.pages)


def test_an_english_pdf_and_a_signed_one(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    b = weekly(factory, COUNTY)
    _, pages = pdf_text(render_pdf(b, EN))
    text = " ".join(pages)
    assert "Weekly assessment" in text and "Page 1 of" in text and "Draft (not signed)" in text
    signed = replace(b, status=Status.SIGNED, signature=Signature(
        signer="xian.duty", signed_at=datetime(2026, 11, 23, 1, 30, tzinfo=UTC).isoformat(),
        conclusion="本周矛盾纠纷平稳，<b>重点</b>关注征地拆迁信访。", signer_name="县中心值班员"))
    _, pages = pdf_text(render_pdf(signed, ZH))
    text = squash("".join(pages))
    assert "本周矛盾纠纷平稳，<b>重点</b>关注征地拆迁信访。" in text, "the conclusion as text, not markup"
    assert "已签发·签发人：县中心值班员·2026-11-2309:30" in text


def test_the_xlsx_reopens_with_the_same_numbers(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    b = weekly(factory)
    book = load_workbook(io.BytesIO(render_xlsx(b, ZH)))
    tables = b.tables()
    assert len(book.sheetnames) == 2 + len(tables)
    assert book.sheetnames[:2] == ["概要", "关键指标"]
    summary = {r[0]: r[1] for r in book["概要"].iter_rows(min_row=2, values_only=True)}
    assert summary["中心"] == b.center.name and summary["统计周期"] == "2026-11-16 至 2026-11-22"
    assert str(summary["台账变化基准"]).startswith("台账变化比对基准：上一统计周期（此前无已签发的周研判")
    figures = book["关键指标"]
    names = [n for n, _, _ in HEADLINE if n in b.headline]
    for col, name in enumerate(names, start=1):
        cell = figures.cell(row=2, column=col)
        want = b.headline[name]
        assert cell.value == (pytest.approx(want, rel=1e-12) if isinstance(want, float) else want), name
        if b.headline[name] is not None:
            assert cell.data_type == "n"
    for sheet, table in zip(book.worksheets[2:], tables, strict=True):
        assert sheet.title.startswith(ZH.text(table.title)[:20])
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [ZH.text(c.label) for c in table.columns]
        for got, want in zip(rows[1:], table.rows, strict=False):
            for column, value, cell in zip(table.columns, want, got, strict=True):
                if column.kind in ("int", "delta"):
                    assert cell == value and (value is None or isinstance(cell, int)), (table.key, column.key)
                elif column.kind in ("rate", "number", "hours"):  # floats, to the last digit or two
                    assert cell == (None if value is None else pytest.approx(value, rel=1e-12)), (table.key, column.key)
                elif column.kind == "points":
                    assert cell == (None if value is None else pytest.approx(value * 100, rel=1e-12)), (table.key, column.key)
        by_rows = len(table.rows) + (table.total is not None)
        assert len([r for r in rows[1:] if any(v is not None for v in r)]) >= by_rows
        if table.total is not None:  # the sums, after the rows, named in the first column
            total = rows[len(table.rows) + 1]
            if table.total[0] in (None, ""):
                assert total[0] == "合计"
            for column, value, cell in zip(table.columns, table.total, total, strict=True):
                if column.kind in ("int", "delta"):
                    assert cell == value, (table.key, "total", column.key)
    by_center = b.section("flow").table("by_center")
    ws = book.worksheets[2 + tables.index(by_center)]
    rate_col = [c.key for c in by_center.columns].index("closure_rate") + 1
    assert ws.cell(row=2, column=rate_col).number_format == "0.00%"
