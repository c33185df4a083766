"""The command center in Chromium against the real demo server: wall, drill-down, dispatch, alerts."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DemoServer, login, shot
from tests.e2e.ui import choose, type_in

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>热线来电：噪音扰民'


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def tiles(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => {
          const host = document.querySelector('[data-testid=stBidiComponentIsolated]');
          if (!host || !host.shadowRoot) return [];
          return [...host.shadowRoot.querySelectorAll('.zz-tile')].map(t => ({
            camera: t.dataset.camera, frames: Number(t.dataset.frames || 0),
            live: t.classList.contains('zz-live'), mark: t.__testMark || null }));
        }"""
    )


def ribbon(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => {
          const host = document.querySelector('[data-testid=stBidiComponentIsolated]');
          const out = {};
          if (!host || !host.shadowRoot) return out;
          host.shadowRoot.querySelectorAll('.zz-kpi').forEach(k => {
            out[k.dataset.kpi] = k.querySelector('.zz-kpi-value').textContent; });
          return out;
        }"""
    )


def all_playing(page: Page, n: int, frames: int = 2) -> bool:
    found = tiles(page)
    return len(found) == n and all(t["frames"] >= frames for t in found)


def test_wall_plays_nine_tiles_with_chinese_text_and_nothing_from_the_internet(
    leader: Page, demo_server: DemoServer, external_requests: list[str]
) -> None:
    page = leader
    page.goto(demo_server.url + "/")
    wait_for(lambda: all_playing(page, 9), 60, "nine playing tiles")
    videos = page.locator(".zz-tile .zz-video")
    assert videos.count() == 9
    before = [videos.nth(i).screenshot() for i in range(9)]
    time.sleep(1.5)
    after = [videos.nth(i).screenshot() for i in range(9)]
    assert all(a != b for a, b in zip(before, after, strict=True)), "some tile did not move"
    # Chinese renders with the locally served font: two different hanzi draw different
    # pixels (tofu boxes would be identical), and the web font is loaded.
    glyphs = page.evaluate(
        """async () => {
          await document.fonts.load('32px "Noto Sans SC"', '综治');
          const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 40;
            const x = c.getContext('2d'); x.font = '32px "Noto Sans SC"'; x.fillText(ch, 2, 32);
            return c.toDataURL(); };
          return { loaded: document.fonts.check('32px "Noto Sans SC"', '综'),
                   same: draw('综') === draw('治'), blank: draw('综') === draw(' ') };
        }"""
    )
    assert glyphs == {"loaded": True, "same": False, "blank": False}
    expect(page.locator(".zz-kpi-name").first).to_have_text("今日上报")
    shot(page, "wall")
    assert external_requests == []


def test_layout_change_keeps_tiles_playing_and_drilldown_changes_tiles_and_kpis(
    leader: Page, demo_server: DemoServer
) -> None:
    page = leader
    page.goto(demo_server.url + "/")
    wait_for(lambda: all_playing(page, 9, 1), 60, "nine playing tiles")
    # Mark the DOM nodes: a rerun that rebuilt the tiles would lose the marks.
    page.evaluate("""() => document.querySelector('[data-testid=stBidiComponentIsolated]')
        .shadowRoot.querySelectorAll('.zz-tile').forEach(t => { t.__testMark = t.dataset.camera; })""")
    first4 = [t["camera"] for t in tiles(page)[:4]]
    page.get_by_text("4 画面", exact=True).click()
    wait_for(lambda: len(tiles(page)) == 4, 20, "four tiles")
    kept = tiles(page)
    # A critical alert raised meanwhile (a demo camera stalling on a loaded machine) pins its
    # camera to the first tile by design; the other tiles stay the same nodes.
    same = [t for t in kept if t["camera"] in first4]
    # Under load two stalls may be pinned (2 of 4 kept was seen in CI); the marks below are
    # what shows that no tile was rebuilt.
    assert len(same) >= 2 and [t["camera"] for t in same] == [c for c in first4 if c in {t["camera"] for t in same}]
    assert all(t["mark"] == t["camera"] for t in same), "tiles were rebuilt by the rerun"
    page.get_by_text("9 画面", exact=True).click()
    wait_for(lambda: len(tiles(page)) == 9, 20, "nine tiles again")
    wait_for(lambda: ribbon(page).get("closure_rate", "—") != "—", 20, "ribbon figures")
    top_tiles, top_ribbon = [t["camera"] for t in tiles(page)], ribbon(page)
    # Drill down to a county.
    page.locator(".st-key-scopebar [data-testid=stSelectbox]").click()
    option = page.get_by_role("option").nth(1)
    county = option.inner_text()
    option.click()
    wait_for(lambda: [t["camera"] for t in tiles(page)] != top_tiles, 30, "tiles of the county")
    wait_for(lambda: ribbon(page) != top_ribbon, 30, "county KPIs")
    expect(page.locator(".st-key-scopebar")).to_contain_text(county)
    assert re.search(r"scope=\d{6}", page.url)
    wait_for(lambda: all(t["frames"] >= 1 for t in tiles(page)), 30, "county tiles playing")
    shot(page, "wall-county")
    # Back up through the breadcrumb.
    page.locator(".st-key-scopebar button").first.click()
    wait_for(lambda: [t["camera"] for t in tiles(page)] == top_tiles, 30, "prefecture tiles again")


#: For each selector inside ``focus``: whether the topmost element at the left of its box
#: belongs to ``focus`` (the wall may live in a shadow root, hence the two lookups).
ON_TOP = """(focus, selectors) => selectors.map((sel) => {
  const el = focus.querySelector(sel);
  const r = el.getBoundingClientRect();
  const x = r.left + 6, y = r.top + r.height / 2;
  const root = focus.getRootNode();
  const top = document.elementFromPoint(x, y);
  if (root === document) return focus.contains(top);
  const inner = root.elementFromPoint(x, y);
  return top === root.host && inner !== null && focus.contains(inner);
})"""


def test_focus_view_plays_the_main_stream_and_kiosk_hides_chrome(
    leader: Page, demo_server: DemoServer
) -> None:
    page = leader
    page.goto(demo_server.url + "/")
    wait_for(lambda: all_playing(page, 9, 1), 60, "tiles")
    page.locator(".zz-tile").first.click()
    focus = page.locator(".zz-focus-video")
    expect(focus).to_have_attribute("src", re.compile(r"/streams/.+\.mjpg\?stream=main"))
    wait_for(lambda: focus.evaluate("img => img.naturalWidth") >= 1280, 30, "main stream picture")
    # On top of everything, the sidebar included: the picture's left edge and the camera's name
    # are what a click there would hit.
    on_top = page.locator(".zz-focus").evaluate(ON_TOP, [".zz-focus-video", ".zz-cam"])
    assert on_top == [True, True], f"something covers the focus view: {on_top}"
    shot(page, "focus")
    page.locator(".zz-focus-close").click()
    expect(page.locator(".zz-focus")).to_be_hidden()
    page.goto(demo_server.url + "/?kiosk=1&layout=16")
    wait_for(lambda: len(tiles(page)) == 16, 60, "sixteen tiles")
    expect(page.locator("[data-testid=stSidebar]")).to_be_hidden()
    expect(page.locator("header[data-testid=stHeader]")).to_be_hidden()
    wait_for(lambda: sum(t["frames"] > 0 for t in tiles(page)) >= 15, 60, "kiosk tiles playing")
    shot(page, "kiosk-16")


def test_operator_registers_accepts_and_dispatches_a_handed_down_case(
    browser: Browser, demo_server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    dialogs: list[str] = []
    try:
        wall = login(context, demo_server, "xiang.operator")
        wall.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        wall.goto(demo_server.url + "/")
        wait_for(lambda: ribbon(wall).get("reported_today", "—") != "—", 60, "ribbon")
        reported = int(ribbon(wall)["reported_today"])
        desk = context.new_page()
        desk.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        desk.goto(demo_server.url + "/dispatch")
        desk.get_by_text("登记新事件", exact=True).click()
        desk.get_by_text("上级交办", exact=True).click()  # a desk's channel (no 12345 typed in)
        type_in(desk, "标题 *", XSS)
        type_in(desk, "描述", "夜间施工噪音，请求处理")
        choose(desk, "类别 *", "矛盾纠纷")
        choose(desk, "子类 *", "邻里纠纷")
        choose(desk, "风险等级 *", "低")
        type_in(desk, "来文编号", f"E2E-{time.time_ns()}")
        desk.get_by_role("button", name="提交").click()
        expect(desk.get_by_text("已登记事件")).to_be_visible(timeout=30_000)
        expect(desk.locator(".zz-title").last).to_contain_text("热线来电：噪音扰民")
        expect(desk.locator(".zz-title").last).to_contain_text("<img src=x")  # shown as text
        shot(desk, "case-reported")
        desk.get_by_role("button", name="受理", exact=True).click()
        desk.get_by_role("button", name="提交").click()
        expect(desk.get_by_text("已执行：受理")).to_be_visible(timeout=30_000)
        desk.get_by_role("button", name="派单", exact=True).click()
        desk.get_by_label("主办单位（下级中心） *", exact=True).click()
        desk.get_by_role("option").first.click()
        desk.get_by_role("button", name="提交").click()
        expect(desk.get_by_text("已执行：派单")).to_be_visible(timeout=30_000)
        # Next the village signs: the township sees the order waiting, with no 签收 of its own.
        expect(desk.get_by_text("待签收").first).to_be_visible()
        assert desk.get_by_role("button", name="签收", exact=True).count() == 0
        shot(desk, "case-dispatched")
        wait_for(lambda: int(ribbon(wall)["reported_today"]) > reported, 15, "ribbon to count the case")
        assert wall.evaluate("() => window.__pwned || null") is None
        assert desk.evaluate("() => window.__pwned || null") is None
        assert dialogs == []
    finally:
        context.close()


def register_high_risk_case(page: Page, server: DemoServer, title: str) -> None:
    page.goto(server.url + "/dispatch")
    page.get_by_text("登记新事件", exact=True).click()
    type_in(page, "标题 *", title)
    choose(page, "类别 *", "安全隐患")
    page.get_by_label("子类 *", exact=True).click()
    page.get_by_role("option").first.click()
    choose(page, "风险等级 *", "高")
    type_in(page, "包保领导", "李主任")
    type_in(page, "一案一策", "专人盯守，每日报告")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已登记事件")).to_be_visible(timeout=30_000)


def test_new_critical_alert_is_seen_heard_and_acknowledged(leader: Page, demo_server: DemoServer) -> None:
    page = leader
    page.goto(demo_server.url + "/alerts")
    expect(page.get_by_text("紧急告警提示音")).to_be_visible(timeout=30_000)
    time.sleep(2.5)  # the page has taken its first look: what comes now is new
    desk = page.context.new_page()
    register_high_risk_case(desk, demo_server, "水库堤坝出现渗漏")
    expect(page.get_by_text(re.compile("新的紧急告警"))).to_be_visible(timeout=30_000)
    wait_for(lambda: page.evaluate("() => Number(document.documentElement.dataset.zzBeeps || 0)") >= 1,
             15, "the alert tone")
    expect(page.get_by_text(re.compile("水库堤坝出现渗漏")).first).to_be_visible()
    # The acknowledge button of this case's own alert row (the simulator raises others).
    row = page.locator("[class*='st-key-alert_']").filter(has_text="水库堤坝出现渗漏").first
    ack = row.get_by_role("button", name="确认", exact=True)
    wait_for(lambda: ack.count() > 0, 30, "an alert to acknowledge")
    shot(page, "alerts")
    ack.first.click()
    done = page.get_by_text(re.compile(r"告警 #\d+ 已确认"))
    expect(done).to_be_visible(timeout=30_000)
    alert_id = int(re.search(r"#(\d+)", done.first.inner_text()).group(1))
    # The simulator keeps raising alerts, so count nothing: the API tells the same signed-in
    # operator that this very alert now carries who acknowledged it and when.
    answer = page.request.get(f"{demo_server.url}/api/alerts?open=0&limit=500")
    assert answer.status == 200
    acked = {a["id"]: a for a in answer.json()["items"]}
    assert alert_id in acked and acked[alert_id]["acked_by"] and acked[alert_id]["acked_at"]
    assert "水库堤坝出现渗漏" in acked[alert_id]["message"], acked[alert_id]


@pytest.mark.parametrize("path,name", [("/analysis", "analysis"), ("/cameras", "cameras"), ("/dispatch", "dispatch"),
                                       ("/consultation", "consultation")])
def test_pages_render_without_errors(leader: Page, demo_server: DemoServer, path: str, name: str,
                                     external_requests: list[str]) -> None:
    page = leader
    page.goto(demo_server.url + path)
    page.wait_for_selector("[data-testid=stMainBlockContainer]")
    time.sleep(3)
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, name)
    assert external_requests == []
