"""WHIP cameras are judged on their publisher's state: idle (no publisher) is neither a
failure nor a reconnect; a publisher gone without DELETE is replaced by the next one at once,
a live one is not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import av
import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription

from streams.hub import StreamHub
from streams.types import CameraEvent
from tests.streams.conftest import LiveServer, camera, fast_settings
from tests.streams.webrtc.test_gateway import NO_ICE_SERVERS, SimTrack, _gateway, until


class StallableTrack(SimTrack):
    """A phone whose network can drop without the session ending (no DELETE, no close)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = asyncio.Event()

    async def recv(self) -> av.VideoFrame:
        if self.dropped.is_set():
            await asyncio.Event().wait()  # nothing more, ever
        return await super().recv()


async def publish(base: str, camera_id: str, track: SimTrack) -> tuple[RTCPeerConnection, httpx.Response]:
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    pc.addTransceiver(track, direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/whip", params={"camera": camera_id},
                                   content=pc.localDescription.sdp,
                                   headers={"Content-Type": "application/sdp"}, timeout=20)
    if answer.status_code == 201:
        await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return pc, answer


def test_idle_whip_camera_counts_nothing_and_a_stale_publisher_is_replaced_at_once(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([camera("field-1", "whip:")], fast_settings(first_status_seconds=1))
    events: list[CameraEvent] = []
    hub.subscribe(events.append)
    server = live_server(hub)
    cam = hub.camera("field-1")

    async def scenario() -> None:
        await asyncio.sleep(3 * hub.settings.read_timeout)  # idle: past several read timeouts
        assert hub.health()[0].reconnects_last_hour == 0 and cam.sub.meter.reconnects_total == 0
        assert events == [], "an idle WHIP camera is not reported offline"

        first_track = StallableTrack()
        first, answer = await publish(server.base, "field-1", first_track)
        assert answer.status_code == 201, answer.text
        await until(lambda: [e.status for e in events] == ["online"], 20, "online")
        health = hub.health()[0]
        assert health.grade in ("excellent", "fair") and health.reconnects_last_hour == 0

        rival, refused = await publish(server.base, "field-1", SimTrack())
        assert refused.status_code == 409, "a live publisher keeps the camera"
        await rival.close()

        first_track.dropped.set()  # the phone loses its network; its session lingers
        dropped_at = time.monotonic()
        await asyncio.sleep(hub.stall_threshold("field-1") + 0.5)
        second, answer = await publish(server.base, "field-1", SimTrack())
        assert answer.status_code == 201, "the returning publisher replaces the stale session"
        assert time.monotonic() - dropped_at < 10
        before = cam.sub.meter.frames_in
        await until(lambda: cam.sub.meter.frames_in > before + 10, 20, "the new publisher's frames")
        sessions = _gateway(server).sessions.values()  # type: ignore[attr-defined]
        assert [s.camera_id for s in sessions if s.kind == "whip"] == ["field-1"]
        assert cam.sub.inbox is not None and cam.sub.inbox.publishers == 1
        assert "field-1" in hub.camera_ids()  # a configured camera stays through the swap

        async with httpx.AsyncClient() as client:
            gone = await client.delete(f"{server.base}{answer.headers['location']}", timeout=10)
        assert gone.status_code == 200 and cam.sub.inbox.publishers == 0
        reconnects = cam.sub.meter.reconnects_total
        await asyncio.sleep(3 * hub.settings.read_timeout)
        assert cam.sub.meter.reconnects_total <= reconnects + 1  # at most the publisher's end
        await first.close()
        await second.close()

    asyncio.run(scenario())

