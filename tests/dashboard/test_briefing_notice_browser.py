"""待签发 reaches the people who sign: in Chromium against the real ``zongzhi demo``, by clicks.

The server makes the county's 日小结, 周研判, 月研判 and 季度研判 as drafts when their periods end.
The county leader (xian.leader) opens its desk: the drafts awaiting its signature are named
there, newest first (three, and how many more); 前往签发 opens the 日小结 on the 研判 page, where
it writes a conclusion and signs. Back on the desk the 日小结 is gone from the notice. The county
duty officer (xian.duty), who may sign too, watches its never-reloaded desk drop the same row
within seconds; a township operator (xiang.operator), who may not sign, is told nothing.
Screenshots in ``artifacts/briefing-notice/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo
from tests.e2e.test_desk_case_flow import check_chinese, desk_of, main_text
from tests.e2e.ui import WAIT, idle

pytestmark = pytest.mark.browser
SHOTS = ROOT / "artifacts" / "briefing-notice"
ICONS = ("draw", "open_in_new")  # the icons' ligature names, read as text
DAILY = re.compile(r"日小结 · \d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(**CHROMIUM)
        yield chromium
        chromium.close()


def words(text: str) -> str:
    for icon in ICONS:
        text = text.replace(icon, "")
    return text


@pytest.mark.timeout(600)
def test_the_drafts_to_sign_are_on_the_signers_desks(demo: Demo, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    county = demo.centers["xian.leader"]
    duty = desk_of(browser, demo, "xian.duty")
    leader = desk_of(browser, demo, "xian.leader")
    operator = desk_of(browser, demo, "xiang.operator")

    rows = leader.locator("[class*='st-key-to_sign_']")
    expect(rows).to_have_count(3, timeout=WAIT)
    expect(rows.first).to_contain_text(DAILY)
    first = rows.first.inner_text()
    assert "待签发" in first and f"{county}的日小结" in first and "草稿，待您签发" in first, first
    expect(leader.get_by_text("另有 1 份草稿待签发：见「研判」页，状态选「待签发」")).to_be_visible(timeout=WAIT)
    check_chinese(words(main_text(leader)), "")
    leader.screenshot(path=str(SHOTS / "01-leader-desk.png"), full_page=True)
    expect(duty.locator("[class*='st-key-to_sign_']").filter(has_text=DAILY)).to_have_count(1, timeout=WAIT)
    expect(operator.locator("[class*='st-key-to_sign_']")).to_have_count(0)
    assert "待签发" not in main_text(operator)

    # 前往签发 opens that very draft on the 研判 page; the leader signs it there.
    idle(leader)
    rows.first.get_by_role("link", name="前往签发").click()
    leader.wait_for_url(re.compile(r".*/briefings\?briefing=\d+"), timeout=WAIT)
    idle(leader)
    expect(leader.get_by_text(f"{county}日小结", exact=True)).to_be_visible(timeout=WAIT)
    expect(leader.get_by_text(re.compile(r"统计周期：\d{4}-\d{2}-\d{2} · 草稿（未签发）"))).to_be_visible(timeout=WAIT)
    box = leader.get_by_label("研判结论", exact=True)
    box.fill("昨日辖区总体平稳，重点关注两起高风险矛盾纠纷。")
    box.press("Tab")
    idle(leader)
    leader.get_by_role("button", name="签发").click()
    expect(leader.get_by_text(re.compile(r"已签发 · 签发人：县中心领导 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}")).first
           ).to_be_visible(timeout=WAIT)
    leader.screenshot(path=str(SHOTS / "02-leader-signed.png"), full_page=True)

    # Back on the desk: the 日小结 no longer waits; the other three do, none left over.
    leader.get_by_role("link", name="事件调度").click()
    expect(leader.get_by_role("radio", name="待办", exact=True)).to_be_visible(timeout=WAIT)
    rows = leader.locator("[class*='st-key-to_sign_']")
    expect(rows).to_have_count(3, timeout=WAIT)
    expect(rows.filter(has_text=DAILY)).to_have_count(0)
    for kind in ("周研判", "月研判", "季度研判"):
        expect(rows.filter(has_text=kind)).to_have_count(1)
    expect(leader.get_by_text(re.compile(r"^另有 \d+ 份草稿待签发"))).to_have_count(0)
    # The duty officer's desk, never reloaded, drops it too.
    expect(duty.locator("[class*='st-key-to_sign_']").filter(has_text=DAILY)).to_have_count(0, timeout=WAIT)
    duty.screenshot(path=str(SHOTS / "03-duty-desk-after.png"), full_page=True)
