"""Tours and keys on the wall in Chromium against a real ``zongzhi demo``: a camera group made
by clicking in the wall's settings, toured every 2 s; a critical alert pauses the tour and pins
its camera, highlighted, until it is acknowledged; Escape closes the focus view, arrow keys move
between tiles; ``screen=2/4`` shows the second share of the scope's cameras."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from dispatch.alerts import raise_alert
from dispatch.db import make_engine, make_session_factory
from dispatch.models import Camera, Center
from dispatch.types import AlertKind, Severity
from tests.demo_server import Demo, api_client, login
from tests.e2e.ui import choose, idle, type_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/wall")
ROOT = "[data-testid=stBidiComponentIsolated]"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Path]]:
    data = tmp_path_factory.mktemp("wall-tour")
    server = Demo(data)
    try:
        yield server, data
    finally:
        server.stop()


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value


def wall(page: Page) -> dict[str, Any]:
    return page.evaluate(f"""() => {{
      const host = document.querySelector('{ROOT}');
      if (!host || !host.shadowRoot) return {{tiles: [], painted: 0, highlighted: [], root: {{}}, focus: null, chip: null}};
      const r = host.shadowRoot, root = r.querySelector('.zz-wall');
      if (!root) return {{tiles: [], painted: 0, highlighted: [], root: {{}}, focus: null, chip: null}};
      const tiles = [...r.querySelectorAll('.zz-tile')];
      const focus = r.querySelector('.zz-focus');
      return {{tiles: tiles.map(t => t.dataset.camera),
               painted: tiles.filter(t => Number(t.dataset.frames) > 0).length,
               highlighted: tiles.filter(t => t.classList.contains('zz-highlight')).map(t => t.dataset.camera),
               root: {{...root.dataset}}, focus: focus.hidden ? null : focus.dataset.camera,
               chip: r.querySelector('.zz-tour').hidden ? null : r.querySelector('.zz-tour').textContent}};
    }}""")


def test_keys_move_between_tiles_and_escape_closes_the_focus_view(demo: tuple[Demo, Path], browser: Browser) -> None:
    server, _ = demo
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        page = login(context, server, "zhou.leader")
        page.goto(f"{server.url}/?layout=9")
        wait_for(lambda: wall(page)["painted"] == 9, 60, "nine tiles")
        tiles = wall(page)["tiles"]
        page.keyboard.press("ArrowRight")
        assert wall(page)["root"]["selected"] == tiles[0]  # the first press lands on the first tile
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowDown")
        assert wall(page)["root"]["selected"] == tiles[4]  # one right, one row (of 3) down
        page.keyboard.press("Enter")
        wait_for(lambda: wall(page)["focus"] == tiles[4], 5, "focus view of the selected tile")
        page.keyboard.press("ArrowLeft")  # in the focus view, arrows move the view itself
        wait_for(lambda: wall(page)["focus"] == tiles[3], 5, "focus on the tile to the left")
        page.screenshot(path=str(SHOTS / "focus-keys.png"))
        page.keyboard.press("Escape")
        wait_for(lambda: wall(page)["focus"] is None, 5, "focus view closed by Escape")
        page.locator(".zz-tile").nth(2).click()
        wait_for(lambda: wall(page)["focus"] == tiles[2], 5, "focus view by click")
        page.keyboard.press("Escape")
        wait_for(lambda: wall(page)["focus"] is None, 5, "focus view closed by Escape")
    finally:
        context.close()


def _raise_critical(data: Path, camera: str) -> None:
    engine = make_engine(f"sqlite:///{data / 'zongzhi.db'}")
    try:
        with make_session_factory(engine).begin() as session:
            path = session.scalar(sa.select(Center.path).join(Camera, Camera.center_id == Center.id)
                                  .where(Camera.id == camera))
            raise_alert(session, AlertKind.CAMERA_TAMPERED, Severity.CRITICAL, path, "画面遮挡 test",
                        f"camera_tampered:{camera}", camera_id=camera, params={"camera": camera},
                        now=datetime.now(UTC))
    finally:
        engine.dispose()


def test_a_group_made_by_clicking_tours_and_a_critical_alert_pins_until_acknowledged(
    demo: tuple[Demo, Path], browser: Browser
) -> None:
    server, data = demo
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        page = login(context, server, "zhou.leader")
        page.goto(f"{server.url}/?layout=4")
        wait_for(lambda: len(wall(page)["tiles"]) == 4, 90, "four tiles")
        idle(page)
        # Make a group of five cameras by clicking, in Chinese.
        with api_client(server, "zhou.leader") as api:
            listed = api.get("/api/wall", params={"scope": "532600", "layout": 25}).json()["tiles"]
        group = [t["camera"] for t in listed[-5:]]  # the last five: none on the first page of the wall
        page.get_by_role("button", name="轮巡分组设置").click()
        type_in(page, "分组名称", "州城重点路口")
        picker = page.get_by_label("摄像头（按轮巡顺序）")
        for t in listed[-5:]:
            picker.click()
            picker.fill(t["name"])  # the list is long: type to find, then click
            page.get_by_role("option", name=f"{t['name']} · {t['center_name']}", exact=True).click()
        picker.press("Tab")  # the list closes
        page.get_by_label("每页停留（秒）").fill("2")
        page.screenshot(path=str(SHOTS / "tour-editor.png"))
        page.get_by_role("button", name="保存分组").click()
        expect(page.get_by_text("已保存分组：州城重点路口")).to_be_visible(timeout=30_000)
        idle(page)
        page.get_by_role("button", name="轮巡分组设置").click()  # close the settings
        choose(page, "轮巡", "州城重点路口")
        wait_for(lambda: wall(page)["root"].get("tour"), 30, "the tour on the wall")
        seen: list[tuple[str, tuple[str, ...]]] = []

        def record() -> bool:
            w = wall(page)
            entry = (w["root"]["tourPage"], tuple(w["tiles"]))
            if not seen or seen[-1] != entry:
                seen.append(entry)
            return len(seen) >= 3

        wait_for(record, 20, "the tour to turn twice")
        assert {p for p, _ in seen} == {"1", "2"}, seen
        pages = {p: tiles for p, tiles in seen}
        assert pages == {"1": tuple(group[:4]), "2": tuple(group[4:])}
        assert "州城重点路口" in (wall(page)["chip"] or "")
        page.screenshot(path=str(SHOTS / "tour-running.png"))
        # A critical alert on a camera outside the group pauses the tour and pins it.
        with api_client(server, "zhou.leader") as api:
            everything = [t["camera"] for t in api.get("/api/wall", params={"scope": "532600", "layout": 25}).json()["tiles"]]
            target = next(c for c in everything if c not in pages["1"] + pages["2"])
            _raise_critical(data, target)
            wait_for(lambda: wall(page)["root"].get("tourPaused") == "1", 15, "the tour to pause")
            held = wall(page)
            assert held["tiles"][0] == target and target in held["highlighted"]
            assert "紧急告警，轮巡暂停" in held["chip"]
            page.screenshot(path=str(SHOTS / "tour-preempted.png"))
            time.sleep(5)  # two intervals later: still held, same tiles
            assert wall(page)["tiles"] == held["tiles"] and wall(page)["root"]["tourPaused"] == "1"
            alert = next(a for a in api.get("/api/alerts", params={"unacked": "true", "limit": 200}).json()["items"]
                         if a.get("camera_id") == target or a.get("camera") == target)
            for body in ({"note": "已处置"}, {"by": "周领导"}, None):
                answer = api.post(f"/api/alerts/{alert['id']}/ack", headers={"Origin": server.url},
                                  **({"json": body} if body else {}))
                if answer.status_code == 200:
                    break
            assert answer.status_code == 200, answer.text
        wait_for(lambda: wall(page)["root"].get("tourPaused") == "", 15, "the tour to resume")
        wait_for(lambda: target not in wall(page)["tiles"], 10, "the pinned camera to leave")
    finally:
        context.close()


def test_screen_two_of_four_shows_its_share(demo: tuple[Demo, Path], browser: Browser) -> None:
    server, _ = demo
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        page = login(context, server, "zhou.leader")
        with api_client(server, "zhou.leader") as api:
            ordered = [t["camera"] for t in api.get("/api/wall", params={"scope": "532600", "layout": 25}).json()["tiles"]]
        assert len(ordered) == 25  # the demo prefecture has more cameras than four screens of 4 hold
        page.goto(f"{server.url}/?kiosk=1&scope=532600&layout=4&screen=2/4")
        wait_for(lambda: wall(page)["painted"] == 4, 60, "four tiles on screen 2")
        assert wall(page)["tiles"] == ordered[4:8]
        page.screenshot(path=str(SHOTS / "screen-2-of-4.png"))
        expect(page.locator("[data-testid=stSidebar]")).to_be_hidden()
    finally:
        context.close()
