"""Two Chromium participants (fake camera and microphone) in one session; one reloads its page
and both see each other's live video again within 5 seconds: the reloaded page rejoins by
itself with the same link, its new peer replaces the old one (not refused), the other page
views the new peer in the same tile, in the same place."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.async_api import Page, async_playwright

from dispatch.consultation.models import Participant
from tests.browser import CHROMIUM
from tests.consultation.conftest import LiveSession
from tests.consultation.test_chromium import poll
from tests.consultation.test_media import events, start

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/consultation")
REJOIN_SECONDS = 5.0


async def playing(page: Page, feed: str, generation: str | None = None) -> bool:
    """``feed``'s video on ``page`` has a picture and its time moves (read twice, 300 ms apart);
    with ``generation``, it is that peer's video (the one that replaced an older one)."""
    expr = f"(() => window.sessionStats && window.sessionStats.feeds['{feed}'] || null)()"
    first = await page.evaluate(expr)
    if not first or first["width"] <= 0 or (generation and first["generation"] != generation):
        return False
    await asyncio.sleep(0.3)
    second = await page.evaluate(expr)
    return bool(second and second["width"] > 0 and second["time"] > first["time"]
                and (not generation or second["generation"] == generation))


async def until(check: Callable[[], object], timeout: float, what: str) -> float:
    t0 = time.monotonic()
    while not await check():  # type: ignore[misc]
        assert time.monotonic() - t0 < timeout, f"timed out after {timeout} s: {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - t0


def test_a_reloaded_page_rejoins_in_place_within_5_seconds(
    live: LiveSession, make_case: Callable[[], int]
) -> None:
    case_id = make_case()
    made = start(live, case_id)
    worker = next(i for i in made["invitations"] if i["role"] == "grid_worker")
    op_feed, field_feed = f"p-{made['participant']}", f"p-{worker['participant']}"
    room = str(made["id"])
    SHOTS.mkdir(parents=True, exist_ok=True)

    async def scenario() -> float:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**CHROMIUM)
            try:
                one = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
                two = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
                await two.goto(live.base + worker["link"] + "?lang=en")
                await poll(two, "document.getElementById('me').textContent !== '—'")
                await two.click("#join")
                await poll(two, "window.sessionStats.joined === true")
                await one.goto(live.base + made["join"] + "?autojoin=1")
                await until(lambda: playing(one, field_feed), 30, "the first page sees the second")
                await until(lambda: playing(two, op_feed), 30, "the second page sees the first")
                tiles = "[...document.querySelectorAll('#stage .tile')].map(t => t.dataset.feed)"
                order = await one.evaluate(tiles)
                assert field_feed in order and order.index(field_feed) < len(order) - 1
                await one.screenshot(path=str(SHOTS / "join-speaker-1280.png"))
                await one.click("#mode-grid")
                await one.screenshot(path=str(SHOTS / "join-grid-1280.png"))
                await two.screenshot(path=str(SHOTS / "join-phone-en.png"))
                old = live.conference.publishing(room)[field_feed]
                tile = f"document.querySelector('#stage .tile[data-feed=\"{field_feed}\"]')"
                await one.evaluate(f"{tile}.dataset.mark = 'before-reload'")

                # The second participant reloads its page.
                t0 = time.monotonic()
                await two.reload()

                def replaced() -> bool:
                    now = live.conference.publishing(room).get(field_feed)
                    return now is not None and now != old

                async def both_see_each_other() -> bool:
                    if not replaced():
                        return False
                    new = live.conference.publishing(room)[field_feed]
                    return await playing(one, field_feed, new) and await playing(two, op_feed)

                await until(both_see_each_other, 20, "both see each other after the reload")
                took = time.monotonic() - t0
                assert await two.evaluate("window.sessionStats.joins") == 1  # rejoined by itself
                # The reloaded participant's tile stayed where it was on the other page.
                assert await one.evaluate(tiles) == order
                assert await one.evaluate(f"{tile}.dataset.mark") == "before-reload"  # the same tile
                await one.screenshot(path=str(SHOTS / "join-grid-after-reload.png"))
                return took
            finally:
                await browser.close()

    took = asyncio.run(scenario())
    print(f"rejoin after a reload: both see each other again in {took:.2f} s")
    assert took < REJOIN_SECONDS, f"rejoined in {took:.2f} s"
    with live.db.factory() as s:
        person = s.scalar(sa.select(Participant).where(Participant.id == worker["participant"]))
        assert person is not None and person.state == "connected" and person.joins == 2
    joins = [e.payload["rejoin"] for e in events(live, case_id, "session_join")
             if e.payload["participant"] == worker["participant"]]
    assert joins == [False, True]
