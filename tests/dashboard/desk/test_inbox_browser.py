"""In Chromium, against the real ``zongzhi demo`` with accounts on: a township operator
dispatches a case to its village through the API; the village operator, already on its inbox,
sees it appear within two seconds without a reload, marked new, opens it with one click; the
township finds it by a six-digit fragment of its number. Screenshots land in ``artifacts/desk/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, api_client, login
from tests.e2e.ui import search_for

ARTIFACTS = ROOT / "artifacts" / "desk"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW = re.compile(r"\b(None|True|False|null|dispatched|pending|to_sign|walk_in|dispute|lead|low)\b|[{}]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def act(client: httpx.Client, demo: Demo, case: dict[str, Any], action: str,
        payload: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"/api/cases/{case['id']}/actions", headers={"Origin": demo.url},
                         json={"action": action, "payload": payload,
                               "expected_version": case["version"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def main_text(page: Page) -> str:
    """What the page's main area reads (the sidebar holds the language switch). Material icons
    are glyphs drawn from a ligature (their text is the icon's name, e.g. ``download``): left out."""
    return page.locator('[data-testid="stMain"]').evaluate(
        "e => { const c = e.cloneNode(true); c.querySelectorAll('[data-testid=stIconMaterial]')"
        ".forEach((i) => i.remove()); document.body.appendChild(c); const text = c.innerText;"
        " c.remove(); return text; }")


def check_wording(text: str, number: str) -> None:
    words = text.replace(number, "")
    for name in ("CSV", "Excel"):  # file formats are named as Chinese users name them (下载 CSV)
        words = words.replace(name, "")
    assert not ISO.search(words), words
    assert not RAW.search(words), words
    assert not re.search(r"[A-Za-z]{3,}", words), words  # no English on the Chinese page


def test_village_inbox_shows_a_new_order_within_two_seconds(demo: Demo) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    village = demo.accounts["cun.operator"][1]
    stamp = str(int(time.time() * 1000))[-6:]
    title = f"楼道堆物纠纷{stamp}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            page = login(context, demo, "cun.operator")
            page.get_by_role("link", name="事件调度").click()
            to_sign = page.get_by_role("radio", name=re.compile(r"^待签收 \d+"))
            to_sign.click()
            expect(page.get_by_text("更新于")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(2000)  # the fragment has looked at least once on this tab
            page.screenshot(path=str(ARTIFACTS / "inbox-before.png"), full_page=True)

            with api_client(demo, "xiang.operator") as xiang:
                made = xiang.post("/api/cases", headers={"Origin": demo.url}, json={
                    "title": title, "kind": "dispute", "sub_kind": "neighbour",
                    "channel": "walk_in", "center": demo.accounts["xiang.operator"][1],
                    "reporter": "王芳", "reporter_phone": "13812345678", "address": "中城社区3栋"})  # fmt: skip
                assert made.status_code == 201, made.text
                case = made.json()
                accepted = act(xiang, demo, case, "accept", {})
                act(xiang, demo, accepted, "dispatch", {"lead": {"center": village}})
            dispatched = time.monotonic()
            number = case["number"]
            row = page.get_by_role("button", name=re.compile(re.escape(number)))
            expect(row).to_be_visible(timeout=2_000)  # no reload: the inbox looks every 1.5 s
            waited = time.monotonic() - dispatched
            assert waited < 2.0, waited
            container = page.locator(".st-key-inbox_row_0, [class*='st-key-inbox_row_']").filter(has=row)
            expect(container.get_by_text("新", exact=True)).to_be_visible()
            expect(container.get_by_text(re.compile(r"^剩余 (\d+小时)?\d+分$"))).to_be_visible()
            expect(page.get_by_text(re.compile(r"新待办：待签收 \+1"))).to_be_visible(timeout=3_000)
            page.screenshot(path=str(ARTIFACTS / "inbox-new.png"), full_page=True)
            check_wording(main_text(page), number)

            row.click()
            expect(page.locator(".zz-title").last).to_contain_text(title, timeout=30_000)
            assert number in page.url and f"case={case['id']}" not in page.url
            page.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)

            # The township finds it by six digits of its number (the case is its own).
            desk = login(browser.new_context(viewport={"width": 1600, "height": 1000},
                                             locale="zh-CN"), demo, "xiang.operator")
            desk.get_by_role("link", name="事件调度").click()
            box = desk.get_by_placeholder("搜索编号、标题、地址、报事人、电话…")
            search_for(desk, box, number[-6:])
            expect(desk.get_by_text("搜索结果（含已办结）")).to_be_visible(timeout=30_000)
            hit = desk.get_by_role("button", name=re.compile(re.escape(number)))
            expect(hit).to_have_count(1)
            found = main_text(desk)
            assert "138****5678" in found and "13812345678" not in found  # masked in results
            assert "邻里纠纷" in found and "中城社区3栋" in found and "王芳" in found
            desk.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)
            check_wording(main_text(desk), number)
            hit.click()
            expect(desk.locator(".zz-title").last).to_contain_text(title, timeout=30_000)
            # The archive: finished cases of the township, paged, in both languages.
            desk.get_by_role("button", name="返回队列").click()
            search_for(desk, box, "")
            desk.get_by_role("radio", name="归档", exact=True).click()
            expect(desk.get_by_text(re.compile(r"^共 \d+ 件 · 第 1/\d+ 页$"))).to_be_visible(timeout=30_000)
            desk.screenshot(path=str(ARTIFACTS / "archive.png"), full_page=True)
            first = desk.locator("[class*='st-key-archive_open_0'] button").inner_text()
            check_wording(main_text(desk), first.split(" · ")[0])
            desk.get_by_text("English", exact=True).click()
            expect(desk.get_by_text(re.compile(r"^\d+ cases · page 1 of \d+$"))).to_be_visible(timeout=30_000)
            desk.screenshot(path=str(ARTIFACTS / "archive-en.png"), full_page=True)
            filters = desk.locator(".st-key-archive_filters_row").evaluate(  # shown values too
                "e => e.textContent + [...e.querySelectorAll('input')]"
                ".map(i => i.value + ' ' + i.placeholder).join(' ')")
            assert "Any" in filters and "全部" not in filters, filters  # filters re-worded too
        finally:
            browser.close()
