"""The demo records its prefecture hall's cameras: a prefecture leader opens 录像回放 by a
click, finds the recorded camera first in the picker (marked 连续录像), sees what was recorded
on the timeline and plays it in Chromium; a village operator's picker holds only the cameras
of the village, none of them the hall's, and its unrecorded camera says it is not recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.demo_server import Demo, login

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Path]]:
    data = tmp_path_factory.mktemp("demo-playback")
    server = Demo(data, "--cases", "1500", "--activity", "0", "--record", "1")
    try:
        yield server, data
    finally:
        server.stop()


def test_the_leader_finds_and_plays_the_demo_recording(demo: tuple[Demo, Path],
                                                      browser: Browser) -> None:
    server, data = demo
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        page = login(context, server, "zhou.leader")
        page.get_by_role("link", name="录像回放").click()
        root = page.locator(".zz-playback[data-ready='1']")
        root.wait_for(timeout=60_000)
        picked = page.locator("[data-testid='stMultiSelect']").first.inner_text()
        assert "连续录像" in picked, picked
        assert "本部署未开启录像" not in page.inner_text("body")
        # The segment being written at the page's moment is indexed when it closes (30 s
        # segments in the demo); the open page's timeline picks it up by itself, and it plays.
        for _ in range(50):  # polled from here: the page keeps its timers running meanwhile
            if page.locator(".zz-segment").count() >= 1:
                break
            page.wait_for_timeout(2_000)
        assert page.locator(".zz-segment").count() >= 1, "no recorded segment on the timeline"
        files = list((data / "recordings").glob("*/*/*.mp4*"))
        assert files, "the demo writes its recording under data/recordings"
        video = page.locator("video[data-camera]").first
        block = page.locator(".zz-segment").first.bounding_box()
        assert block is not None
        # A click on the recorded stretch of the timeline seeks into it; then ▶ 播放.
        page.mouse.click(block["x"] + block["width"] / 2, block["y"] + block["height"] / 2)
        page.locator(".zz-play").click()
        for _ in range(30):
            if video.evaluate("v => v.readyState >= 2 && v.currentTime > 0"):
                break
            page.wait_for_timeout(1_000)
        assert video.evaluate("v => v.readyState >= 2 && v.currentTime > 0"), "it does not play"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "demo-playback.png"), full_page=True)
        body = page.inner_text("body")
        assert "None" not in body and "T0" not in body
    finally:
        context.close()

    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        page = login(context, server, "cun.operator")
        page.get_by_role("link", name="录像回放").click()
        page.locator("[data-testid='stMultiSelect']").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        assert "连续录像" not in page.inner_text("body"), "the hall's camera is not the village's"
        # The village's camera records nothing: its picture says so, not "nothing right now".
        player = page.locator(".zz-playback[data-ready='1']")  # in the component's shadow root
        player.wait_for(timeout=60_000)
        words = player.inner_text()
        assert "本摄像机未开启录像" in words and "此刻无录像" not in words, words
    finally:
        context.close()
