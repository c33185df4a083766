"""Live WHEP viewing of an RTSP camera through a Janus Streaming mountpoint: the viewer asks
the product for an offer (empty POST), answers it (PATCH), and receives the camera's own H.264
from Janus (started by the test, pulling the camera itself); the camera's password appears in
no answer. A camera Janus cannot pull (sim://) is still viewed with the viewer's offer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import httpx
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from config.media import JanusSettings
from streams.hub import StreamHub
from streams.janus.engine import JanusMedia
from streams.janus.server import JanusServer, janus_binary
from tests.streams.conftest import LiveServer, RtspServer, camera

pytestmark = pytest.mark.skipif(janus_binary() is None, reason="Debian package janus missing")
PASSWORD = "pw-9f3k"


@pytest.fixture
def janus(tmp_path: Path) -> Iterator[JanusServer]:
    server = JanusServer(tmp_path / "janus").start()
    yield server
    server.stop()


async def watch(base: str, path: str, frames: int = 10) -> tuple[list[tuple[int, int]], str, str]:
    """View by the server-offer exchange; returns (picture sizes, offer SDP, location)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        offer = await http.post(path, content=b"", headers={"Content-Type": "application/sdp"})
        assert offer.status_code == 201, offer.text
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        sizes: list[tuple[int, int]] = []
        got = asyncio.Event()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            async def read() -> None:
                try:
                    while len(sizes) < frames:
                        frame = await track.recv()
                        if isinstance(frame, av.VideoFrame):
                            sizes.append((frame.width, frame.height))
                    got.set()
                except MediaStreamError:
                    return
            asyncio.ensure_future(read())

        await pc.setRemoteDescription(RTCSessionDescription(offer.text, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        location = offer.headers["location"]
        done = await http.patch(location, content=pc.localDescription.sdp,
                                headers={"Content-Type": "application/sdp"})
        assert done.status_code == 204, done.text
        try:
            await asyncio.wait_for(got.wait(), 30)
        finally:
            assert (await http.delete(location)).status_code == 200
            assert (await http.delete(location)).status_code == 404  # ended once
            await pc.close()
        return sizes, offer.text, location


def test_a_camera_is_viewed_through_janus(
    janus: JanusServer, rtsp_server: Callable[..., RtspServer],
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer],
) -> None:
    rtsp = rtsp_server("--user", "cam", "--password", PASSWORD, "--width", "320", "--height", "180")
    hub = make_hub([camera("gate", rtsp.url(0, f"cam:{PASSWORD}@")),
                    camera("sim", "sim://?w=160&h=120&fps=10")])
    media = JanusMedia(JanusSettings(url=janus.url, api_secret=janus.api_secret,
                                     admin_key=janus.admin_key), hub)
    server = live_server(hub, camera_offers=media)
    try:
        sizes, offer, location = asyncio.run(watch(server.base, "/whep/gate"))
        assert sizes and set(sizes) == {(320, 180)}
        assert "H264/90000" in offer and PASSWORD not in offer
        assert location.startswith("/whep/gate/")
        assert media.live == {}  # the DELETE freed the Janus viewer
        assert set(media.cameras.made) == {"gate"}  # one mountpoint, kept for the next viewer
        # A camera Janus cannot pull is not offered by it: an empty body is a bad offer.
        with httpx.Client(base_url=server.base, timeout=30) as http:
            empty = http.post("/whep/sim", content=b"", headers={"Content-Type": "application/sdp"})
            assert empty.status_code == 400 and "SDP" in empty.text
            assert PASSWORD not in http.get("/streams/health").text
    finally:
        if media.loop is not None:
            asyncio.run_coroutine_threadsafe(media.close(), media.loop).result(15)
