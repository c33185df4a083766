"""A product restarted while Janus kept running: the rooms and mountpoints its earlier run
left behind (their secrets lost) do not block the new run, which takes numbers of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.media import JanusSettings
from streams.hub import StreamHub
from streams.janus.engine import JanusMedia
from streams.janus.server import JanusServer, janus_binary
from tests.streams.conftest import RtspServer, camera

pytestmark = pytest.mark.skipif(janus_binary() is None, reason="Debian package janus missing")


@pytest.fixture
def janus(tmp_path: Path) -> Iterator[JanusServer]:
    server = JanusServer(tmp_path / "janus").start()
    yield server
    server.stop()


def test_left_over_rooms_and_mountpoints_do_not_block_a_new_run(
    janus: JanusServer, rtsp_server: Callable[..., RtspServer],
    make_hub: Callable[..., StreamHub],
) -> None:
    rtsp = rtsp_server("--width", "160", "--height", "120")
    hub = make_hub([camera("gate", rtsp.url())])
    settings = JanusSettings(url=janus.url, api_secret=janus.api_secret, admin_key=janus.admin_key)

    async def scenario() -> None:
        before, after = JanusMedia(settings, hub), JanusMedia(settings, hub)
        try:
            old = await before.room("7")
            await before.view_offer("7", "c-gate")  # the camera's mountpoint, made by `before`
            # `before` is gone without cleaning up (a crash): `after` starts the same session.
            new = await after.room("7")
            assert old.number == settings.room_offset + 7 and new.number != old.number
            offer, resource = await after.view_offer("7", "c-gate")
            assert "H264/90000" in offer
            assert after.cameras.made["gate"].id != before.cameras.made["gate"].id
            await after.end("7", resource)
        finally:
            await after.close()
            await before.close()

    asyncio.run(scenario())
