"""The risk register by clicks in Chromium, across accounts, against the real ``zongzhi demo``:
the county's duty officer re-grades a township case and issues 督办 on it; the village
operator, whose center holds the order, finds the 督办 in its inbox tab 督办催办 by clicking,
downloads the tab as CSV and opens the case; the county leader sees the 一案一策 review-date
alert on the alert center. The case is made through the API (report, accept with a leader,
plan and review date, dispatch to the village); everything after by clicks. The review date
is moved to yesterday in the database (the workflow refuses a past date, and a day cannot be
waited for); the server's own SLA clock then raises the alert. Screenshots go to
``artifacts/risk-register/``.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dispatch.db import make_engine, make_session_factory
from dispatch.localtime import TZ
from dispatch.models import Case
from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, api_client, login
from tests.e2e.test_desk_case_flow import act, check_chinese, main_text, open_row, state_is
from tests.e2e.ui import WAIT, idle

ARTIFACTS = ROOT / "artifacts" / "risk-register"
SEARCH = "搜索编号、标题、地址、报事人、电话…"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("risk-demo")
    server = Demo(data)
    server.db_url = f"sqlite:///{(data / 'zongzhi.db').resolve()}"  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(**CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    idle(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def desk(browser: Browser, demo: Demo, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    page = login(context, demo, username)
    page.get_by_role("link", name="事件调度").click()
    expect(page.get_by_role("radio", name="待办", exact=True)).to_be_visible(timeout=WAIT)
    return page


def township_case_for_the_village(demo: Demo, title: str, today: str) -> dict:
    town, village = demo.accounts["xiang.operator"][1], demo.accounts["cun.operator"][1]
    assert village.startswith(town)
    with api_client(demo, "xiang.operator") as api:
        origin = {"Origin": demo.url}
        case = api.post("/api/cases", headers=origin, json={
            "title": title, "description": "村道被占用引发邻里争执", "kind": "dispute",
            "channel": "walk_in", "center": town, "risk": "low", "reporter": "王大姐"}).json()
        for action, payload in (
            ("accept", {"leader": "李镇长", "plan": "每周走访一次，村调委会跟进", "review_on": today}),
            ("dispatch", {"lead": {"center": village}}),
        ):
            answer = api.post(f"/api/cases/{case['id']}/actions", headers=origin, json={
                "action": action, "payload": payload, "expected_version": case["version"]})
            assert answer.status_code == 200, answer.text
            case = answer.json()
    assert case["state"] == "dispatched" and case["plan_review_on"] == today
    return case


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_county_regrades_and_supervises_village_finds_it_leader_sees_review_alert(
    browser: Browser, demo: Demo
) -> None:
    today = datetime.now(UTC).astimezone(TZ).date()
    title = f"村道占用纠纷{str(int(time.time() * 1000))[-6:]}"
    case = township_case_for_the_village(demo, title, today.isoformat())
    number = case["number"]
    reason = "涉及多户村民，矛盾有激化苗头"
    note = "请村中心三日内当面调处并回报结果"
    due = (today + timedelta(days=3)).isoformat()

    # The county's duty officer finds the case, re-grades it and issues 督办.
    county = desk(browser, demo, "xian.duty")
    box = county.get_by_placeholder(SEARCH)
    box.fill(number[-6:])
    box.press("Enter")
    hit = county.get_by_role("button", name=re.compile(re.escape(number)))
    expect(hit).to_have_count(1, timeout=WAIT)
    open_row(county, hit, number)
    state_is(county, "待签收")
    act(county, "调整风险等级", pick={"风险等级 *": "高"}, fill={"原因 *": reason})
    expect(county.locator("#zz-summary")).to_contain_text("风险等级高", timeout=WAIT)
    idle(county)
    county.get_by_role("button", name="督办", exact=True).click()
    form = county.locator("[data-testid='stForm']").filter(has_text="督办")
    expect(form).to_be_visible(timeout=WAIT)
    form.get_by_label("备注 *", exact=True).fill(note)
    # The date field's parts (year, month, day) take typed digits one after another.
    form.get_by_role("group", name="办理期限").get_by_role("spinbutton").first.click()
    county.keyboard.type(due.replace("-", ""))
    county.keyboard.press("Escape")
    shot(county, "00-supervise-form")
    form.get_by_role("button", name="提交").click()
    expect(county.get_by_text("已执行：督办", exact=True)).to_be_visible(timeout=WAIT)
    summary = county.locator("#zz-summary")
    county_name = demo.centers["xian.duty"]
    expect(summary).to_contain_text(f"上级督办{county_name} 于 ", timeout=WAIT)
    expect(summary).to_contain_text(f"（期限 {due}）")
    text = main_text(county)
    assert "调整风险等级" in text and "原风险等级：低" in text and reason in text
    assert f"办理期限：{due}" in text and "督办单位：" in text and note in text
    check_chinese(text.replace(reason, "").replace(note, "").replace(title, ""), number)
    shot(county, "01-county-regraded-and-supervised")

    # The village operator finds it by clicking its inbox tab 督办催办, and downloads the tab.
    village = desk(browser, demo, "cun.operator")
    village.get_by_role("radio", name=re.compile(r"^督办催办 [1-9]\d*( · 新)?$")).click()
    row = village.get_by_role("button", name=re.compile(re.escape(number)))
    expect(row).to_be_visible(timeout=WAIT)
    expect(village.get_by_text(f"督办意见：{note}").first).to_be_visible(timeout=WAIT)
    expect(village.get_by_text(f"督办期限 {due}").first).to_be_visible()
    expect(village.get_by_text(f"{county_name}督办", exact=True).first).to_be_visible()
    shot(village, "02-village-inbox-supervised")
    idle(village)
    tab = village.get_by_role("radio", name=re.compile(r"^督办催办 [1-9]\d*( · 新)?$"))
    for _ in range(2):  # a tab click landing while the live inbox re-runs can be undone
        if tab.is_checked():
            break
        tab.click()
        expect(row).to_be_visible(timeout=WAIT)
        idle(village)
    for attempt in range(2):  # a click landing on a button a rerun is replacing is lost: again
        try:
            with village.expect_download(timeout=20_000) as caught:
                village.get_by_role("button", name="下载 CSV").click()
            break
        except PlaywrightTimeout:
            assert attempt == 0, "下载 CSV gave no file twice"
            idle(village)
    got = caught.value
    assert got.suggested_filename.startswith("督办催办_") and got.suggested_filename.endswith(".csv")
    raw = got.path().read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    mine = [r for r in rows[1:] if r[0] == number]
    assert len(mine) == 1 and note in " ".join(mine[0]) and due in mine[0]
    shown = village.get_by_role("button", name=re.compile(r"ZZ-")).count()
    assert len(rows) - 1 == shown or shown == 20  # the tab's rows (a full page shows 20)
    open_row(village, row, number)
    text = main_text(village)
    assert note in text and "督办" in text
    shot(village, "03-village-case")

    # The review date passes (moved to yesterday); the server's clock raises the alert.
    engine = make_engine(demo.db_url)  # type: ignore[attr-defined]
    try:
        with make_session_factory(engine).begin() as s:
            row_case = s.scalars(sa.select(Case).where(Case.number == number)).one()
            row_case.plan_review_on = today - timedelta(days=1)
    finally:
        engine.dispose()
    leader = login(browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN"),
                   demo, "xian.leader")
    leader.goto(demo.url + "/alerts")
    expect(leader.get_by_text("类型", exact=True).first).to_be_visible(timeout=WAIT)
    choose_kind(leader)
    wanted = f"{number} · 复核日期 {(today - timedelta(days=1)).isoformat()} · 包保领导 李镇长"
    deadline = time.monotonic() + 75  # the clock ticks every 30 s
    while not leader.get_by_text(wanted).count():
        assert time.monotonic() < deadline, "no plan review alert: " + main_text(leader)[:2000]
        leader.reload()
        expect(leader.get_by_text("类型", exact=True).first).to_be_visible(timeout=WAIT)
        choose_kind(leader)
    expect(leader.get_by_text(wanted).first).to_be_visible()
    expect(leader.get_by_text("一案一策复核逾期").first).to_be_visible()
    shot(leader, "04-leader-review-alert")


def choose_kind(page: Page) -> None:
    """The alert center's kind filter set to 一案一策复核逾期 by clicks."""
    idle(page)
    page.get_by_label("类型", exact=True).first.click()
    page.get_by_role("option", name="一案一策复核逾期", exact=True).click()
    page.keyboard.press("Escape")
    idle(page)
