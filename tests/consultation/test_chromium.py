"""Debian's Chromium with a fake camera joins through the join page; its video (and sound)
reach an aiortc participant, and the operator's video reaches the page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from tests.browser import CHROMIUM
from tests.consultation.conftest import LiveSession
from tests.consultation.peers import Client, wait_until
from tests.consultation.test_media import start

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "consultation"


async def poll(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Like wait_for_function, but through DevTools evaluation, which the page's CSP (no
    eval) does not block."""
    deadline = time.monotonic() + timeout
    while not await page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out: {expression}"
        await asyncio.sleep(0.2)


def test_chromium_joins_by_the_join_page(live: LiveSession, make_case: Callable[[], int]) -> None:
    case_id = make_case()
    made = start(live, case_id)
    worker = next(i for i in made["invitations"] if i["role"] == "grid_worker")
    field_feed, op_feed = f"p-{worker['participant']}", f"p-{made['participant']}"
    room = str(made["id"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def scenario() -> None:
        op = Client(live.base, made["join"], "operator")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**CHROMIUM)
            try:
                # A phone-sized viewport; the page runs under its own CSP (no bypass).
                page = await browser.new_page(viewport={"width": 390, "height": 844})
                await op.join()
                await page.goto(live.base + worker["link"])
                await poll(page, "document.getElementById('me').textContent !== '—'")
                assert "ZZ-" in await page.text_content("#title")
                await page.click("#join")
                await wait_until(lambda: field_feed in live.conference.publishing(room),
                                 what="Chromium publishing")
                got = await op.view(field_feed)
                await wait_until(lambda: got.video_frames >= 15, timeout=30, what="Chromium's video")
                assert got.video_sizes and min(w for w, _ in got.video_sizes) >= 320
                await wait_until(lambda: got.audio_frames >= 50, what="Chromium's audio")
                # The fake microphone beeps about once a second: sound, not silence, arrives.
                await wait_until(lambda: got.audio_peak > 1000, timeout=10, what="a beep")
                # The page views the operator and both cameras (polling every 2 s).
                await poll(page, f"(() => {{ const f = window.sessionStats.feeds['{op_feed}'];"
                           " return !!f && f.width > 0 && f.time > 0.5; })()")
                await poll(page, "document.querySelectorAll('.tile[data-feed^=\"c-\"]').length === 2")
                await page.screenshot(path=str(ARTIFACTS / "join-page-phone.png"), full_page=True)
                await page.click("#leave")
                await wait_until(lambda: field_feed not in live.conference.publishing(room),
                                 what="the page leaving")
            finally:
                await browser.close()
                await op.close()

    asyncio.run(scenario())
