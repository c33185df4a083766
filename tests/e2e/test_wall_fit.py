"""The wall fits its screen: at 1920×1080, 2560×1440 and 3840×2160, normal and kiosk, every
layout shows all its tiles (16:9), the KPI ribbon, the alert ticker and the clock inside the
window with nothing to scroll, and no camera or center name is cut. Screenshots in
/tmp/shots/wall/."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import DemoServer, login

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/wall")
SCREENS = [((1920, 1080), (1, 4, 9, 16)), ((2560, 1440), (1, 4, 9, 16)), ((3840, 2160), (1, 4, 9, 16, 25))]

MEASURE = """() => {
  const host = document.querySelector('[data-testid=stBidiComponentIsolated]');
  if (!host || !host.shadowRoot) return null;
  const r = host.shadowRoot;
  const box = (e) => { if (!e) return null; const b = e.getBoundingClientRect();
    return {left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width, height: b.height}; };
  const main = document.querySelector('[data-testid=stMain]');
  const tiles = [...r.querySelectorAll('.zz-tile')];
  return {
    tiles: tiles.map(box),
    painted: tiles.filter((t) => Number(t.dataset.frames) > 0).length,
    ribbon: box(r.querySelector('.zz-ribbon')), ticker: box(r.querySelector('.zz-feed')),
    clock: box(r.querySelector('.zz-clock')), clockText: (r.querySelector('.zz-clock-time') || {}).textContent,
    scroll: [document.documentElement.scrollHeight - innerHeight, document.documentElement.scrollWidth - innerWidth,
             main ? main.scrollHeight - main.clientHeight : 0],
    names: tiles.flatMap((t) => [...t.querySelectorAll('.zz-cam, .zz-center')].map((n) => {
      const nb = n.getBoundingClientRect(), tb = t.getBoundingClientRect();
      return {text: n.textContent, cut: n.scrollWidth > n.clientWidth + 1,
              inside: nb.left >= tb.left - 1 && nb.right <= tb.right + 1 && nb.top >= tb.top - 1 && nb.bottom <= tb.bottom + 1};
    })),
  };
}"""


def inside(b: dict[str, float], w: int, h: int) -> bool:
    return b["width"] > 0 and b["height"] > 0 and b["left"] >= 0 and b["top"] >= 0 and b["right"] <= w and b["bottom"] <= h


def settled(page: Page, tiles: int, timeout: float = 60) -> dict[str, Any]:
    """The wall's measures once it shows ``tiles`` painted tiles and a running clock."""
    deadline = time.monotonic() + timeout
    while True:
        m = page.evaluate(MEASURE)
        if m and len(m["tiles"]) == tiles and m["painted"] == tiles and re.fullmatch(r"\d\d:\d\d:\d\d", m["clockText"] or ""):
            # The wall refits when the page above it changes (a rerun, a notice): a scroll
            # that lasts beyond a few seconds is a failure, a passing one while a rerun
            # lands is not.
            time.sleep(0.6)
            fit_by = time.monotonic() + 5
            m = page.evaluate(MEASURE)
            while max(m["scroll"]) > 0 and time.monotonic() < fit_by:
                time.sleep(0.25)
                m = page.evaluate(MEASURE)
            return m
        assert time.monotonic() < deadline, f"wall did not settle: {m and (len(m['tiles']), m['painted'], m['clockText'])}"
        time.sleep(0.25)


@pytest.mark.parametrize(("size", "layouts"), SCREENS, ids=[f"{w}x{h}" for (w, h), _ in SCREENS])
def test_every_layout_fits_the_screen_normal_and_kiosk(
    browser: Browser, demo_server: DemoServer, size: tuple[int, int], layouts: tuple[int, ...]
) -> None:
    w, h = size
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    try:
        page = login(context, demo_server, "zhou.leader")
        for kiosk in (False, True):
            for layout in layouts:
                page.goto(f"{demo_server.url}/?layout={layout}" + ("&kiosk=1" if kiosk else ""))
                m = settled(page, layout)
                what = f"{w}x{h} {'kiosk' if kiosk else 'normal'} {layout}"
                page.screenshot(path=str(SHOTS / f"{w}x{h}-{'kiosk' if kiosk else 'normal'}-{layout}.png"))
                assert max(m["scroll"]) <= 0, f"{what}: the page scrolls {m['scroll']}"
                for part in ("ribbon", "ticker", "clock"):
                    assert inside(m[part], w, h), f"{what}: {part} outside the window: {m[part]}"
                for i, tile in enumerate(m["tiles"]):
                    assert inside(tile, w, h), f"{what}: tile {i} outside the window: {tile}"
                    assert abs(tile["width"] / tile["height"] - 16 / 9) < 0.03, f"{what}: tile {i} not 16:9"
                # The tiles use the room: the grid is as wide or as tall as the space allows.
                grid_w = max(t["right"] for t in m["tiles"]) - min(t["left"] for t in m["tiles"])
                grid_h = max(t["bottom"] for t in m["tiles"]) - min(t["top"] for t in m["tiles"])
                room_h = m["ticker"]["top"] - m["ribbon"]["bottom"]
                assert grid_w >= 0.9 * m["ribbon"]["width"] or grid_h >= 0.9 * room_h, f"{what}: tiles too small"
                for name in m["names"]:
                    assert not name["cut"] and name["inside"], f"{what}: name cut: {name['text']}"
                if layout >= 9:  # the longest center name is on the wall, whole
                    assert any(n["text"] == "文山壮族苗族自治州综治中心" for n in m["names"]), what
    finally:
        context.close()
