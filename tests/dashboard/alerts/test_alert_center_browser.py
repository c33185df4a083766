"""The alert center in Chromium against the real ``zongzhi demo`` (accounts on, fast duty
settings): filters, one row per case with a count, escalation shown on the row and its trail,
bulk acknowledgement of a selection with one note, who acknowledged and when, and the alert
tone played for a new critical alert once a click has unlocked audio.

Chromium runs with its ordinary autoplay policy here (not the suite's
``no-user-gesture-required``), because that policy is why no tone was heard before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dispatch.alerts import raise_alert
from dispatch.db import make_engine, make_session_factory
from dispatch.models import Case, Center, DutyShift
from dispatch.types import AlertKind, Severity
from tests.browser import CHROMIUM
from tests.demo_server import Demo, login
from tests.e2e.ui import idle, type_in

SHOTS = Path("/tmp/shots/alerts")
WAIT = 30_000
#: Records every tone the page starts and the state of its audio context at that moment.
AUDIO_HOOK = """
window.__zzTones = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__zzTones.push(this.context.state);
  return start.apply(this, args);
};
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    mp = pytest.MonkeyPatch()
    for name, value in {"RENOTIFY_MINUTES": "0.05", "ESCALATE_MINUTES": "0.1",
                        "TICK_SECONDS": "1", "REOPEN_MINUTES": "60"}.items():
        mp.setenv(f"ZONGZHI_DUTY__{name}", value)
    data = tmp_path_factory.mktemp("alerts-demo")
    server = Demo(data)
    server.db_url = f"sqlite:///{(data / 'zongzhi.db').resolve()}"  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
        mp.undo()


def raise_test_alert(demo: Demo, kind: AlertKind, severity: Severity, text: str,
                     case: bool = False) -> int:
    """An alert at xian.duty's county center (about one of its cases when ``case``)."""
    engine = make_engine(demo.db_url)  # type: ignore[attr-defined]
    try:
        with make_session_factory(engine).begin() as s:
            path = s.scalar(sa.select(Center.path).where(Center.code == demo.accounts["xian.duty"][1]))
            case_id = s.scalar(sa.select(Case.id).where(Case.owning_path == path).order_by(Case.id).limit(1)) if case else None
            alert, _ = raise_alert(s, kind, severity, path, text, f"test:{text}", case_id=case_id)
            return alert.id
    finally:
        engine.dispose()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def row(page: Page, text: str):  # noqa: ANN201 - a Locator
    return page.locator("[class*='st-key-alert_']").filter(has_text=text)


def test_alert_center_filters_groups_escalates_bulk_acks_and_sounds(demo: Demo) -> None:
    raise_test_alert(demo, AlertKind.HIGH_RISK_CASE, Severity.CRITICAL, "测试告警甲 高风险", case=True)
    raise_test_alert(demo, AlertKind.CASE_OVERDUE, Severity.CRITICAL, "测试告警甲 已超期", case=True)
    raise_test_alert(demo, AlertKind.CAMERA_OFFLINE, Severity.CRITICAL, "测试告警乙 离线")
    raise_test_alert(demo, AlertKind.SUPERVISION, Severity.WARNING, "测试告警丙 督办")
    with sync_playwright() as p:
        args = [a for a in CHROMIUM["args"] if not a.startswith("--autoplay-policy")]
        browser = p.chromium.launch(executable_path=CHROMIUM["executable_path"],
                                    args=[*args, "--autoplay-policy=document-user-activation-required"])
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        context.add_init_script(AUDIO_HOOK)
        try:
            page = login(context, demo, "xian.duty")
            page.goto(demo.url + "/alerts")
            expect(row(page, "测试告警乙").first).to_be_visible(timeout=60_000)
            idle(page)

            # One row per case: the two alerts about the same case show once, with a count.
            expect(row(page, "测试告警甲")).to_have_count(1)
            expect(row(page, "测试告警甲").get_by_text("×2 次")).to_be_visible()

            # Severity filter: the warning disappears, the critical ones stay.
            page.get_by_label("级别", exact=True).or_(
                page.locator("[class*='st-key-alerts_severities'] input")).first.click()
            page.get_by_role("option", name="紧急", exact=True).click()
            page.keyboard.press("Escape")
            idle(page)
            expect(row(page, "测试告警丙")).to_have_count(0, timeout=WAIT)
            expect(row(page, "测试告警乙")).to_have_count(1)

            # The escalation (fast settings): the county's duty officer was notified, then
            # again, then the prefecture's; the row says so and its trail lists each step.
            esc_row = row(page, "测试告警乙")
            expect(esc_row.get_by_text(re.compile("已通知 .* 值班")).first).to_be_visible(timeout=WAIT)
            expect(esc_row.get_by_text(re.compile("已通知 文山壮族苗族自治州")).first).to_be_visible(timeout=WAIT)
            idle(page)
            esc_row.get_by_role("button", name=re.compile("处理记录")).first.click()
            trail = page.locator("[data-testid='stPopoverBody']")
            expect(trail.get_by_text(re.compile("· 通知本中心值班 .*县中心值班员")).first).to_be_visible(timeout=WAIT)
            expect(trail.get_by_text(re.compile("再次通知本中心值班")).first).to_be_visible(timeout=WAIT)
            expect(trail.get_by_text(re.compile("升级通知上级中心值班 · 文山壮族苗族自治州")).first).to_be_visible(timeout=WAIT)
            shot(page, "01-filtered-grouped-escalated")
            page.keyboard.press("Escape")

            # Sound: the switch click is the gesture that unlocks audio; a new critical alert
            # then plays its tone on a running audio context.
            switch = page.locator("[class*='st-key-alerts_sound'] label").first
            switch.click()
            idle(page)
            switch.click()
            idle(page)
            page.wait_for_function("document.documentElement.dataset.zzAudio === 'running'", timeout=WAIT)
            expect(page.get_by_text("提示音已启用")).to_be_visible()
            before = page.evaluate("window.__zzTones.length")
            raise_test_alert(demo, AlertKind.CAMERA_TAMPERED, Severity.CRITICAL, "测试告警丁 新的紧急")
            page.wait_for_function(f"window.__zzTones.length > {before}", timeout=WAIT)
            assert set(page.evaluate(f"window.__zzTones.slice({before})")) == {"running"}
            expect(page.get_by_text(re.compile("新的紧急告警"))).to_be_visible()

            # Bulk acknowledgement of a selection with one note.
            idle(page)
            for text in ("测试告警甲", "测试告警乙"):
                row(page, text).locator("[data-testid='stCheckbox'] label").first.click()
                idle(page)
            type_in(page, "确认备注（可选）", "已电话联系现场 <b>核实</b>")
            page.get_by_role("button", name="确认所选（2）").click()
            expect(page.get_by_text("已确认 3 条告警")).to_be_visible(timeout=WAIT)
            expect(row(page, "测试告警甲")).to_have_count(0, timeout=WAIT)
            expect(row(page, "测试告警丁")).to_have_count(1)  # not selected: still waiting
            shot(page, "02-after-bulk-ack")

            # The acknowledged view: who acknowledged (the signed-in account), when, the note.
            page.locator("[class*='st-key-alerts_acked'] button", has_text="已确认").click()
            idle(page)
            acked = row(page, "测试告警乙")
            expect(acked.get_by_text(re.compile(
                r"已确认：县中心值班员（xian\.duty） · \d{4}-\d{2}-\d{2} \d{2}:\d{2} · 备注：已电话联系现场 <b>核实</b>"
            ))).to_be_visible(timeout=WAIT)
            expect(acked.get_by_text(re.compile("下一步"))).to_have_count(0)  # the chain stopped
            assert page.locator("b", has_text="核实").count() == 0  # the note is text, not HTML
            expect(page.get_by_text(re.compile("新的紧急告警"))).to_have_count(0)  # none waiting here
            shot(page, "03-acknowledged-by-whom")

            # The duty roster of the county: the demo puts xian.duty on duty today.
            page.get_by_role("tab", name="值班表").click()
            expect(page.get_by_text(re.compile("当前值班：.*县中心值班员（xian.duty）"))).to_be_visible(timeout=WAIT)
            expect(page.get_by_role("button", name="保存值班表")).to_be_visible()
            shot(page, "04-roster")
        finally:
            context.close()
            browser.close()


def test_the_centers_leader_edits_the_roster_by_clicking(demo: Demo) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        try:
            page = login(context, demo, "xian.leader")
            page.goto(demo.url + "/alerts")
            page.get_by_role("tab", name="值班表").click()
            expect(page.get_by_role("button", name="保存值班表")).to_be_visible(timeout=WAIT)
            idle(page)
            # The first shift's post: double-click the cell, pick 带班领导 in its list.
            # The grid is drawn on a canvas: the cell is hit at its place (column 2 of 4 at this
            # 1920-pixel viewport, first row under the header); the a11y table says what is there.
            expect(page.locator("#glide-cell-2-0")).to_have_text("duty_officer")
            grid = page.locator("[data-testid='stDataFrame']").bounding_box()
            assert grid is not None
            cell = page.locator("#glide-cell-2-0")
            for _ in range(3):  # a double-click on the canvas while it redraws opens no editor
                page.mouse.dblclick(grid["x"] + grid["width"] * 0.38, grid["y"] + 53)
                choice = page.get_by_text("带班领导", exact=True).last
                try:
                    choice.click(timeout=5000)
                    page.keyboard.press("Enter")
                    expect(cell).to_have_text("leader", timeout=5000)
                    break
                except (AssertionError, PlaywrightTimeout):
                    page.keyboard.press("Escape")
            expect(cell).to_have_text("leader")
            idle(page)
            page.get_by_role("button", name="保存值班表").click()
            expect(page.get_by_text(re.compile(r"值班表已保存（\d+ 班）"))).to_be_visible(timeout=WAIT)
            shot(page, "05-roster-saved")
        finally:
            context.close()
            browser.close()
    engine = make_engine(demo.db_url)  # type: ignore[attr-defined]
    try:
        with make_session_factory(engine)() as s:
            rows = s.execute(sa.select(DutyShift.username, DutyShift.role, DutyShift.updated_by)
                             .order_by(DutyShift.starts_at, DutyShift.id)).all()
    finally:
        engine.dispose()
    edited = [r for r in rows if r.updated_by == "xian.leader"]
    assert edited and ("xian.duty", "leader") in {(r.username, r.role) for r in edited}


def test_the_prefecture_sees_a_page_of_groups_not_a_wall_of_cards(demo: Demo) -> None:
    for i in range(45):  # more subjects than one page holds
        raise_test_alert(demo, AlertKind.SUPERVISION, Severity.WARNING, f"测试批量督办 {i:02d}")
    with sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        try:
            page = login(context, demo, "zhou.leader")
            page.goto(demo.url + "/alerts")
            expect(page.get_by_text(re.compile(r"第 1/\d+ 页")).first).to_be_visible(timeout=60_000)
            idle(page)
            rows = page.locator("[class*='st-key-alert_']")
            assert rows.count() == 20
            height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            shot(page, "06-prefecture-first-page")
            page.get_by_role("button", name="下一页").first.click()
            expect(page.get_by_text(re.compile(r"第 2/\d+ 页")).first).to_be_visible(timeout=WAIT)
            print(f"prefecture alert page: {height} px tall, 20 groups a page")
            assert height < 4000, height
            # The same page in English: every label, badge and state word translated.
            page.get_by_text("English", exact=True).click()
            expect(page.locator(".zz-title")).to_have_text("Duty alerts", timeout=WAIT)
            idle(page)
            expect(page.get_by_text(re.compile(r"Page 2 of \d+")).first).to_be_visible(timeout=WAIT)
            first = page.locator("[class*='st-key-alert_']").first
            expect(first.get_by_text("Warning", exact=True)).to_be_visible()
            expect(first.get_by_role("button", name="Acknowledge")).to_be_visible()
            main = page.locator("[data-testid='stMain']").inner_text()
            for word in ("警告", "督办", "确认", "处理记录", "未确认", "值班表", "None"):
                assert word not in main.replace("测试批量督办", ""), word
            assert not re.search(r"\d{4}-\d{2}-\d{2}T\d", main)  # no ISO timestamp
            shot(page, "07-prefecture-english")
        finally:
            context.close()
            browser.close()
