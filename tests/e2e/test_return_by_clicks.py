"""退单 by clicks in Chromium: the township operator returns a county order before 签收 with a
reason; the county's duty officer finds it in its inbox tab 退单待审核, reads the reason and
approves it (同意退单); the case is back at the county for 派单 and the township's inbox no
longer holds it. Against the real ``zongzhi demo`` with accounts; the county's case is made
through the API as the duty officer, everything after by clicks. Screenshots go to
``artifacts/e2e-returns/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.demo_server import ROOT, Demo, api_client
from tests.e2e.test_desk_case_flow import (
    act,
    back_to_inbox,
    check_chinese,
    desk_of,
    main_text,
    open_row,
    state_is,
)
from tests.e2e.ui import WAIT, idle

ARTIFACTS = ROOT / "artifacts" / "e2e-returns"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def county_case_for_the_township(demo: Demo, title: str) -> str:
    """A walk-in case at the county, accepted and dispatched to the township: its number."""
    county, township = demo.accounts["xian.duty"][1], demo.accounts["xiang.operator"][1]
    with api_client(demo, "xian.duty") as api:
        origin = {"Origin": demo.url}
        made = api.post("/api/cases", headers=origin, json={
            "title": title, "description": "两户因宅基地边界发生争执", "kind": "dispute",
            "channel": "walk_in", "center": county, "risk": "low", "reporter": "李大爷"})  # fmt: skip
        assert made.status_code == 201, made.text
        case = made.json()
        for action, payload in (("accept", {}), ("dispatch", {"lead": {"center": township}})):
            answer = api.post(f"/api/cases/{case['id']}/actions", headers=origin, json={
                "action": action, "payload": payload, "expected_version": case["version"]})
            assert answer.status_code == 200, answer.text
            case = answer.json()
        assert case["state"] == "dispatched"
        return str(case["number"])


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_the_township_returns_and_the_county_approves_by_clicks(browser: Browser, demo: Demo) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    title = f"宅基地边界纠纷{str(int(time.time() * 1000))[-6:]}"
    number = county_case_for_the_township(demo, title)
    reason = "涉及县级国土确权，不属于乡镇调处范围"

    # The township finds the order among those to sign and returns it, with the reason.
    town = desk_of(browser, demo, "xiang.operator")
    town.get_by_role("radio", name=re.compile(r"^待签收 [1-9]\d*")).click()
    row = town.get_by_role("button", name=re.compile(re.escape(number)))
    expect(row).to_be_visible(timeout=WAIT)
    open_row(town, row, number)
    state_is(town, "待签收")
    act(town, "退单", fill={"原因 *": reason})
    state_is(town, "待签收")  # not sent back yet: the county decides
    orders = town.locator(".zz-orders")
    expect(orders).to_contain_text("退单待审核", timeout=WAIT)
    expect(orders).to_contain_text(reason)
    town.screenshot(path=str(ARTIFACTS / "01-township-returned.png"), full_page=True)
    idle(town)
    assert not town.get_by_role("button", name="签收", exact=True).count()  # no 签收 while it waits

    # The county's duty officer finds it in 退单待审核 with the reason, and approves it.
    county = desk_of(browser, demo, "xian.duty")
    county.get_by_role("radio", name=re.compile(r"^退单待审核 [1-9]\d*( · 新)?$")).click()
    row = county.get_by_role("button", name=re.compile(re.escape(number)))
    expect(row).to_be_visible(timeout=WAIT)
    expect(county.get_by_text(f"退单原因：{reason}", exact=False).first).to_be_visible(timeout=WAIT)
    county.screenshot(path=str(ARTIFACTS / "02-county-inbox.png"), full_page=True)
    open_row(county, row, number)
    act(county, "同意退单", fill={"备注": "改由县司法局牵头办理"})
    state_is(county, "待派单")
    expect(county.locator(".zz-orders")).to_contain_text("同意退单")
    text = main_text(county)
    assert "退单" in text and reason in text and "同意退单" in text
    check_chinese(text.replace(reason, "").replace(title, ""), number)
    county.screenshot(path=str(ARTIFACTS / "03-county-approved.png"), full_page=True)
    # Back at the county's 退单待处理 for 派单 again; gone from the township's inbox.
    back_to_inbox(county, "退单待处理", number)
    idle(town)
    town.get_by_role("button", name="返回队列").click()
    town.get_by_role("radio", name=re.compile(r"^待签收 \d+")).click()
    idle(town)
    expect(town.get_by_role("button", name=re.compile(re.escape(number)))).to_have_count(0)
