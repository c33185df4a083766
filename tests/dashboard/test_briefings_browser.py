"""The 研判 page in Chromium, by clicks, in zh-CN, against the real ``zongzhi demo``: a county
duty officer generates the week's assessment, reads it with its charts and tables (no stored
enumeration, ``None`` or ISO time on screen), downloads it as PDF and Excel, adds a conclusion
and signs it; the prefecture's leader then finds the county's signed assessment in the list.
Screenshots land in ``artifacts/briefings/``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect, sync_playwright
from pypdf import PdfReader

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, login
from tests.e2e.ui import choose, idle

ARTIFACTS = ROOT / "artifacts" / "briefings"
WAIT = 60_000
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW = re.compile(r"\b(None|null|True|False|draft|signed|daily|weekly|dispute|hazard|walk_in|"
                 r"grid_worker|high|medium|low|online|offline)\b|brief\.|brief_page\.|kpi\.|[{}]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def main_text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def check_wording(text: str) -> None:
    assert not ISO.search(text), ISO.search(text)
    assert not RAW.search(text), RAW.search(text)


def test_a_duty_officer_generates_reads_downloads_and_signs_the_week(demo: Demo, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    county = demo.centers["xian.duty"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN",
                                          accept_downloads=True)
            page = login(context, demo, "xian.duty")
            page.get_by_role("link", name="研判").click()
            expect(page.get_by_text("日小结与研判")).to_be_visible(timeout=WAIT)
            idle(page)
            page.get_by_text("生成小结或研判").click()
            choose(page, "生成类型", "周研判")
            page.get_by_role("button", name="立即生成").click()
            expect(page.get_by_text("已生成周研判")).to_be_visible(timeout=WAIT)
            idle(page)
            title = page.get_by_text(f"{county}周研判", exact=True)
            expect(title).to_be_visible(timeout=WAIT)
            expect(page.get_by_text(re.compile(r"统计周期：\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2} · 草稿（未签发）"))
                   ).to_be_visible()
            # No weekly assessment signed before: the register's changes count from the week's start.
            expect(page.get_by_text(re.compile(
                r"台账变化比对基准：上一统计周期（此前无已签发的周研判，自 \d{4}-\d{2}-\d{2} 00:00 起计）"
            ))).to_be_visible()
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT)
            assert page.locator(".js-plotly-plot").count() >= 3, "the flow, kinds and trend charts"
            for heading in ("环比与同比", "事项受理与办结", "风险研判", "视频在线"):
                expect(page.get_by_role("heading", name=heading)).to_be_visible()
            text = main_text(page)
            check_wording(text)
            for name in ("上报", "按期结案率", "结案率", "视频在线率"):
                expect(page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(f"^{name}$"))).to_be_visible()
            assert "%" in text
            page.screenshot(path=str(ARTIFACTS / "weekly-draft.png"), full_page=True)

            idle(page)
            with page.expect_download(timeout=WAIT) as got:
                page.get_by_role("button", name="本研判 PDF").click()
            pdf = (tmp_path / "b.pdf")
            got.value.save_as(pdf)
            assert got.value.suggested_filename.startswith(f"{county}周研判_") and pdf.read_bytes()[:5] == b"%PDF-"
            pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
            assert county in pdf_text.replace(" ", "")
            assert "台账变化比对基准：上一统计周期" in re.sub(r"\s+", "", pdf_text)
            idle(page)
            with page.expect_download(timeout=WAIT) as got:
                page.get_by_role("button", name="本研判 Excel").click()
            got.value.save_as(tmp_path / "b.xlsx")
            book = load_workbook(tmp_path / "b.xlsx")
            assert book.sheetnames[:2] == ["概要", "关键指标"] and len(book.sheetnames) > 5

            box = page.get_by_label("研判结论", exact=True)
            box.fill("本周辖区矛盾纠纷总体平稳，<b>重点</b>关注征地拆迁信访。")
            box.press("Tab")
            idle(page)
            page.get_by_role("button", name="签发").click()
            expect(page.get_by_text("已签发", exact=True).first).to_be_visible(timeout=WAIT)
            idle(page)
            expect(page.get_by_text(re.compile(r"已签发 · 签发人：县中心值班员 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}")).first
                   ).to_be_visible(timeout=WAIT)
            expect(page.get_by_text("本周辖区矛盾纠纷总体平稳，<b>重点</b>关注征地拆迁信访。")).to_be_visible()
            expect(page.get_by_role("button", name="签发")).to_have_count(0)
            check_wording(main_text(page))
            page.screenshot(path=str(ARTIFACTS / "weekly-signed.png"), full_page=True)
            context.close()

            # A higher center sees its children's signed briefings.
            context = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
            page = login(context, demo, "zhou.leader")
            page.get_by_role("link", name="研判").click()
            idle(page)
            box = page.get_by_label("打开研判", exact=True)
            expect(box).to_be_visible(timeout=WAIT)
            box.click()
            option = page.get_by_role("option", name=re.compile(f"^{county} · 周研判 · .* · 已签发$"))
            expect(option).to_be_visible(timeout=WAIT)
            option.click()
            idle(page)
            expect(page.get_by_text(f"{county}周研判", exact=True)).to_be_visible(timeout=WAIT)
            expect(page.get_by_role("button", name="签发")).to_have_count(0)  # not the leader's center
            check_wording(main_text(page))
            page.screenshot(path=str(ARTIFACTS / "prefecture-reads-county.png"), full_page=True)
        finally:
            browser.close()
            print("\n".join(demo.lines[-30:]))  # the server's side, shown when the test fails
