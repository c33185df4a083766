"""In Chromium, against the real ``zongzhi demo`` with accounts on: a county duty officer
filters the archive by clicks, downloads it as CSV and as Excel through the buttons, and both
files hold exactly the rows the list shows (same order, same words, same local times) and as
many rows as the list counts over its pages; the CSV opens as UTF-8 with its BOM and the
workbook's counts are numbers. Screenshots land in ``artifacts/exports/``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Download, Page, expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, login
from tests.e2e.ui import choose, idle

ARTIFACTS = ROOT / "artifacts" / "exports"
WAIT = 60_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def download(page: Page, button: str, folder: Path) -> tuple[Download, Path]:
    with page.expect_download(timeout=WAIT) as info:
        page.get_by_role("button", name=button, exact=True).click()
    got = info.value
    path = folder / got.suggested_filename
    got.save_as(path)
    return got, path


def xlsx_as_text(value: object) -> str:
    """A workbook cell as the CSV writes it (times to the minute, numbers as digits)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def screen_rows(page: Page) -> list[str]:
    """The text of each row of the archive's list, in order."""
    rows = page.locator('[class*="st-key-archive_row_"]')
    return [rows.nth(i).inner_text() for i in range(rows.count())]


def test_the_filtered_archive_downloads_as_the_rows_on_screen(demo: Demo, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN",
                                          accept_downloads=True)
            page = login(context, demo, "xian.duty")
            page.get_by_role("link", name="事件调度").click()
            archive = page.get_by_role("radio", name="归档", exact=True)
            for _ in range(3):  # a click landing while the live inbox re-runs can be lost
                archive.click()
                idle(page)
                if archive.is_checked():
                    break
            unfiltered = page.get_by_text(re.compile(r"^共 \d+ 件 · 第 1/\d+ 页$"))
            expect(unfiltered).to_be_visible(timeout=WAIT)
            before = int(re.search(r"共 (\d+) 件", unfiltered.inner_text()).group(1))  # type: ignore[union-attr]
            choose(page, "类别", "矛盾纠纷")
            choose(page, "结束方式", "已归档")
            pager = page.get_by_text(re.compile(r"^共 \d+ 件 · 第 1/\d+ 页$"))
            expect(pager).to_be_visible(timeout=WAIT)
            total = int(re.search(r"共 (\d+) 件", pager.inner_text()).group(1))  # type: ignore[union-attr]
            assert 0 < total < before, "the filter narrowed the list"
            shown = screen_rows(page)
            assert len(shown) == min(total, 20)
            page.screenshot(path=str(ARTIFACTS / "archive-filtered.png"), full_page=True)

            got, csv_path = download(page, "下载 CSV", tmp_path)
            assert re.fullmatch(r"归档_\d{6}_\d{8}-\d{4}\.csv", got.suggested_filename), got.suggested_filename
            raw = csv_path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
            table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            header, rows = table[0], table[1:]
            assert header[:4] == ["编号", "标题", "结束方式", "风险等级"]
            assert len(rows) == total, "every page of the filter"
            for text, row in zip(shown, rows, strict=False):  # the first page, row by row
                number, title = row[0], row[1]
                assert text.startswith(f"{number} · {title}") or f"{number} · {title}" in text, (text, row)
                for cell in row[2:]:
                    assert cell in text, (cell, text)  # state, risk, kind, center, times …
            assert {r[2] for r in rows} == {"已归档"} and {r[5] for r in rows} == {"矛盾纠纷"}

            got, xlsx_path = download(page, "下载 Excel", tmp_path)
            assert got.suggested_filename.endswith(".xlsx")
            sheet = load_workbook(xlsx_path).active
            values = list(sheet.iter_rows(values_only=True))
            assert [xlsx_as_text(v) for v in values[0]] == header
            assert [[xlsx_as_text(v) for v in r] for r in values[1:]] == rows
            assert isinstance(values[1][12], datetime), "times are date cells"
            page.screenshot(path=str(ARTIFACTS / "archive-downloaded.png"), full_page=True)
        finally:
            browser.close()
