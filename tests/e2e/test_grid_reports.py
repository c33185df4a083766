"""The receiving end of a report: a grid worker follows what became of its own reports.

Against the real ``zongzhi demo`` (``tests.demo_server``), by clicks only after login, three
accounts: the grid worker (cun.grid) registers two reports from its desk and finds both under
我上报的; the village operator (cun.operator), already on its inbox, refuses one with a reason
(不予受理) and accepts the other; the grid worker's page, left open, says so within seconds
without a reload (a toast, the row marked 新, the state and the reason in Chinese); the county
leader (xian.leader) finds the refused report by six digits of its number and reads the reason
on its trail. The village then sends the other report up to its township; the grid worker
still opens it from its row, read-only, and reads who holds it and why; so does the village
desk, from its 已上报 tab.
Screenshots: ``artifacts/e2e-grid/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.demo_server import ROOT, Demo
from tests.e2e.test_desk_case_flow import (
    Steps,
    act,
    case_heading,
    check_chinese,
    desk_of,
    main_text,
    open_row,
    state_is,
)
from tests.e2e.ui import WAIT, choose, idle, search_for, type_in

ARTIFACTS = ROOT / "artifacts" / "e2e-grid"
REASON = "该路灯属供电所维护，已转告供电所，请勿重复上报"
UP_REASON = "井盖属镇市政所管辖，村级无法更换"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def report(page: Page, title: str) -> str:
    """Register a report through the desk's form (the grid worker's channel); its number."""
    idle(page)
    page.get_by_text("登记新事件", exact=True).click()
    expect(page.get_by_text("登记新事件（本账号可用的受理渠道）")).to_be_visible(timeout=WAIT)
    idle(page)
    page.get_by_text("网格员上报", exact=True).click()
    type_in(page, "标题 *", title)
    type_in(page, "描述", "巡查发现，夜间无照明，行人易摔倒。")
    choose(page, "类别 *", "安全隐患")
    page.get_by_label("子类 *", exact=True).click()
    first = page.get_by_role("option").first.inner_text()
    page.keyboard.press("Escape")
    choose(page, "子类 *", first)
    choose(page, "风险等级 *", "低")
    type_in(page, "事发地址", "中城社区5组路口")
    page.get_by_role("button", name="提交", exact=True).click()
    flash = page.get_by_text(re.compile(r"^已登记事件 ZZ-\d{6}-\d{8}-\d{6,}$"))
    expect(flash).to_be_visible(timeout=WAIT)
    number = flash.inner_text().removeprefix("已登记事件 ").strip()
    expect(case_heading(page)).to_contain_text(title, timeout=WAIT)
    idle(page)
    page.get_by_role("button", name="返回队列").click()
    return number


def row_of(page: Page, number: str):  # noqa: ANN201 - a Playwright locator
    return page.locator("[class*='st-key-inbox_row_']").filter(
        has=page.get_by_role("button", name=re.compile(re.escape(number))))


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_a_grid_worker_sees_what_became_of_its_reports(browser: Browser, demo: Demo) -> None:
    steps = Steps(ARTIFACTS)
    stamp = str(int(time.time() * 1000))[-6:]
    refused_title, accepted_title = f"路灯损坏{stamp}", f"井盖缺失{stamp}"

    village = desk_of(browser, demo, "cun.operator")
    grid = desk_of(browser, demo, "cun.grid")
    # No desk, but not an empty seat: its own reports are its one tab.
    expect(grid.get_by_role("radio", name=re.compile(r"^我上报的 \d+$"))).to_be_visible(timeout=WAIT)
    assert "没有待办类别" not in main_text(grid)

    refused = report(grid, refused_title)
    accepted = report(grid, accepted_title)
    mine = grid.get_by_role("radio", name=re.compile(r"^我上报的 [1-9]\d*$"))
    expect(mine).to_be_visible(timeout=WAIT)
    for number in (refused, accepted):
        expect(row_of(grid, number).get_by_text("待受理", exact=True)).to_be_visible(timeout=WAIT)
    # Newest first.
    numbers = grid.locator("[class*='st-key-inbox_row_'] button").all_inner_texts()
    assert [n for n in numbers if accepted in n or refused in n][0].find(accepted) >= 0, numbers
    steps.shot(grid, "grid-reported")

    # The village refuses one with a reason and accepts the other, from its inbox.
    village.get_by_role("radio", name=re.compile(r"^待受理 [1-9]\d*( · 新)?$")).click()
    row = village.get_by_role("button", name=re.compile(re.escape(refused)))
    expect(row).to_be_visible(timeout=WAIT)
    open_row(village, row, refused)
    act(village, "不予受理", fill={"原因 *": REASON})
    state_is(village, "不予受理")
    # The grid worker's page, never reloaded, says so at once (a toast lasts a few seconds).
    expect(grid.get_by_text(f"您上报的 {refused} 有新进展：不予受理")).to_be_visible(timeout=WAIT)
    idle(village)
    village.get_by_role("button", name="返回队列").click()
    village.get_by_role("radio", name=re.compile(r"^待受理 [1-9]\d*( · 新)?$")).click()
    row = village.get_by_role("button", name=re.compile(re.escape(accepted)))
    expect(row).to_be_visible(timeout=WAIT)
    open_row(village, row, accepted)
    act(village, "受理")
    steps.shot(village, "village-accepted")

    # The rows say what happened, and where each report now is.
    refused_row = row_of(grid, refused)
    expect(refused_row.get_by_text("不予受理", exact=True)).to_be_visible(timeout=WAIT)
    expect(refused_row.get_by_text(re.compile(re.escape(f"说明：{REASON}")))).to_be_visible(timeout=WAIT)
    expect(refused_row.get_by_text("新", exact=True)).to_be_visible(timeout=WAIT)
    expect(row_of(grid, accepted).get_by_text("待派单", exact=True)).to_be_visible(timeout=WAIT)
    expect(row_of(grid, accepted).get_by_text(re.compile(r"最新进展：受理（"))).to_be_visible(timeout=WAIT)
    steps.shot(grid, "grid-answered")
    text = main_text(grid).replace("下载 CSV", "").replace("下载 Excel", "")  # format names
    assert demo.centers["cun.operator"] in text  # which center holds each report
    for number in (refused, accepted):
        check_chinese(text.replace(number, ""), number)

    # The row opens the report, its trail ending in the refusal and its reason.
    open_row(grid, grid.get_by_role("button", name=re.compile(re.escape(refused))), refused)
    state_is(grid, "不予受理")
    expect(grid.get_by_text(REASON).first).to_be_visible(timeout=WAIT)

    # The village sends the accepted one up to its township: outside the grid worker's village
    # now, the report still opens from its row, read-only, saying who holds it and why.
    act(village, "上报上级", fill={"原因 *": UP_REASON})
    # The village's page says where the case went (it stays readable), not "not found".
    township = demo.centers["xiang.operator"]
    notice = f"本中心已将本事件上报：事件现由{township}办理，此处只供查看进展（不能在此办理）。"
    expect(village.get_by_text(notice)).to_be_visible(timeout=WAIT)
    assert "事件不存在" not in main_text(village)
    idle(grid)
    grid.get_by_role("button", name="返回队列").click()
    up_row = row_of(grid, accepted)
    expect(up_row.get_by_text(re.compile(re.escape(f"现由{township}办理")))).to_be_visible(timeout=WAIT)
    open_row(grid, grid.get_by_role("button", name=re.compile(re.escape(accepted))), accepted)
    expect(grid.get_by_text(f"您是本事件的报告人：事件现由{township}办理，此处只供查看进展（不能在此办理）。")
           ).to_be_visible(timeout=WAIT)
    expect(grid.get_by_text(UP_REASON).first).to_be_visible(timeout=WAIT)
    assert "事件不存在或不在您的范围内" not in main_text(grid)
    assert grid.get_by_role("button", name="上报上级", exact=True).count() == 0  # nothing to act on
    steps.shot(grid, "grid-escalated-report")
    check_chinese(main_text(grid).replace(accepted, ""), accepted)

    # The village desk finds what it sent up under 已上报 and follows it the same way.
    idle(village)
    village.get_by_role("button", name="返回队列").click()
    village.get_by_role("radio", name=re.compile(r"^已上报 [1-9]\d*( · 新)?$")).click()
    sent_row = row_of(village, accepted)
    expect(sent_row.get_by_text(re.compile(re.escape(f"现由{township}办理")))).to_be_visible(timeout=WAIT)
    expect(sent_row.get_by_text(re.compile(re.escape(f"说明：{UP_REASON}")))).to_be_visible(timeout=WAIT)
    # What the desk sent up itself is not announced as new work (新待办).
    assert village.get_by_text(re.compile(r"^新待办：已上报")).count() == 0
    open_row(village, village.get_by_role("button", name=re.compile(re.escape(accepted))), accepted)
    expect(village.get_by_text(notice)).to_be_visible(timeout=WAIT)
    assert village.get_by_role("button", name="派单", exact=True).count() == 0
    steps.shot(village, "village-sent-up")
    check_chinese(main_text(village).replace(accepted, ""), accepted)
    # A month later, by six digits of its number, from the desk's search box.
    idle(village)
    village.get_by_role("button", name="返回队列").click()
    search_for(village, village.get_by_placeholder("搜索编号、标题、地址、报事人、电话…"), accepted[-6:])
    expect(village.get_by_role("button", name=re.compile(re.escape(accepted)))).to_be_visible(timeout=WAIT)

    # The county leader finds it by six digits of its number.
    county = desk_of(browser, demo, "xian.leader")
    search_for(county, county.get_by_placeholder("搜索编号、标题、地址、报事人、电话…"), refused[-6:])
    hit = county.get_by_role("button", name=re.compile(re.escape(refused)))
    expect(hit).to_be_visible(timeout=WAIT)
    open_row(county, hit, refused)
    state_is(county, "不予受理")
    expect(county.get_by_text(REASON).first).to_be_visible(timeout=WAIT)
    steps.shot(county, "county-found")
