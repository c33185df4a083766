"""The receiving end of a consultation: an invited village desk is told and joins by clicks.

In Chromium against the real ``zongzhi demo`` (fake camera and microphone), three accounts:
the village operator (cun.operator) waits on its desk; the township operator (xiang.operator)
finds a village case by its number, opens it and starts a consultation (the case's chain is
invited: the village center among it); the village desk, never reloaded, shows a toast and the
invitation (case, invited seat, start time) within seconds, and its 进入会商 opens the village
seat's own join page, which joins; the township's session page then shows the village center
connected, and the village's notice is gone. The county leader (xian.leader) sees the session
among the running ones. Screenshots in ``artifacts/consultation-invited/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, api_client, login
from tests.e2e.test_desk_case_flow import check_chinese, desk_of, main_text, open_row
from tests.e2e.ui import WAIT, idle, search_for

pytestmark = pytest.mark.browser
SHOTS = ROOT / "artifacts" / "consultation-invited"


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


@pytest.mark.timeout(600)
def test_an_invited_village_desk_is_told_and_joins(demo: Demo, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    village_code = demo.accounts["cun.operator"][1]
    village_name = demo.centers["cun.operator"]
    with api_client(demo, "xiang.operator") as http:  # a case at the village, made for the test
        answer = http.post("/api/cases", json={
            "title": "村口桥梁裂缝需会商", "description": "桥面出现横向裂缝", "kind": "hazard",
            "channel": "walk_in", "center": village_code, "risk": "medium"},
            headers={"X-CSRF-Token": http.cookies.get("zongzhi_csrf") or "", "Origin": demo.url})
        assert answer.status_code in (200, 201), answer.text
        number = answer.json()["number"]

    village = desk_of(browser, demo, "cun.operator")
    expect(village.get_by_text("会商邀请")).to_have_count(0)

    town = desk_of(browser, demo, "xiang.operator")
    search_for(town, town.get_by_placeholder("搜索编号、标题、地址、报事人、电话…"), number[-6:])
    open_row(town, town.get_by_role("button", name=re.compile(re.escape(number))), number)
    town.get_by_role("button", name="发起视频会商").click()
    town.wait_for_url(re.compile(r".*/consultation.*"), timeout=WAIT)
    idle(town)
    expect(town.get_by_text(f"已选事件：{number}")).to_be_visible(timeout=WAIT)
    town.get_by_role("button", name="开始会商").click()
    town.wait_for_url(re.compile(r".*session=\d+.*"), timeout=WAIT)
    idle(town)

    # The village desk is told without a reload: a toast, then the invitation itself.
    expect(village.get_by_text(f"新的视频会商邀请：事件 {number}")).to_be_visible(timeout=WAIT)
    notice = village.locator("[class*='st-key-invite_']").filter(has_text=number)
    expect(notice).to_be_visible(timeout=WAIT)
    text = notice.inner_text()
    assert "会商邀请" in text and "村口桥梁裂缝需会商" in text and f"邀请{village_name}" in text, text
    assert re.search(r"发起于 \d{4}-\d\d-\d\d \d\d:\d\d", text), text
    words = text.replace("video_call", "").replace("login", "")  # the icons' ligature names
    check_chinese(words.replace(number, ""), number)
    village.screenshot(path=str(SHOTS / "01-village-told.png"), full_page=True)

    # 进入会商 opens the village seat's own join page, which joins.
    with village.context.expect_page() as opened:
        notice.get_by_role("link", name="进入会商").click()
    seat = opened.value
    seat.wait_for_load_state()
    assert "/join/" in seat.url
    expect(seat.locator("#title")).to_contain_text(number, timeout=WAIT)
    expect(seat.locator("#me")).to_contain_text(village_name, timeout=WAIT)
    seat.locator("#join").click()
    expect(seat.locator("#leave")).to_be_enabled(timeout=WAIT)
    seat.wait_for_timeout(1500)
    seat.screenshot(path=str(SHOTS / "02-village-joined.png"))

    # The village's notice is gone once its seat is taken.
    expect(village.locator("[class*='st-key-invite_']")).to_have_count(0, timeout=WAIT)
    town.screenshot(path=str(SHOTS / "03-township-session.png"), full_page=True)

    # The county leader, two levels up, finds the session among the running ones, the village
    # center in it and online.
    county = login(browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN"),
                   demo, "xian.leader")
    county.get_by_role("link", name="视频会商").click()
    expect(county.get_by_text("进行中的会商", exact=True)).to_be_visible(timeout=WAIT)
    row = county.locator("[class*='st-key-running_']").filter(has_text=number)
    expect(row).to_be_visible(timeout=WAIT)
    expect(row).to_contain_text(f"{village_name}（在线）", timeout=WAIT)
    county.screenshot(path=str(SHOTS / "04-county-running.png"), full_page=True)
    assert "会商邀请" not in main_text(county)  # the county was not invited
    for page in (village, town, county, seat):
        page.context.close()
