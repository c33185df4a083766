"""Real aiortc peers against the hub: WHIP publishing, WHEP viewing, pass-through, bad SDP."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable

import av
import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from streams.hub import StreamHub
from streams.sim import SimScene, SimSpec
from streams.stamp import read_stamp
from tests.streams.conftest import LiveServer, RtspServer, camera
from tests.streams.test_rtsp import wait_for

NO_ICE_SERVERS = RTCConfiguration(iceServers=[])  # loopback host candidates only


class SimTrack(VideoStreamTrack):
    """A phone's camera: the simulated scene with the capture time stamped in."""

    def __init__(self) -> None:
        super().__init__()
        self.scene = SimScene(SimSpec(width=320, height=240, fps=15, stamp=True))
        self.n = 0

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(1 / 15)
        self.n += 1
        frame = self.scene.frame(self.n, wall_ms=int(time.time() * 1000))
        frame.pts, frame.time_base = self.n * 6000, fractions.Fraction(1, 90000)
        return frame


async def whip_publish(base: str, camera_id: str) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    pc.addTransceiver(SimTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{base}/whip", params={"camera": camera_id, "center": "532622101", "name": "手机"},
            content=pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}, timeout=20,
        )
    assert answer.status_code == 201, answer.text
    assert answer.headers["content-type"].startswith("application/sdp")
    await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return pc, answer.headers["location"]


async def whep_view(base: str, camera_id: str, frames: list[av.VideoFrame],
                    codec: str | None = None) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    transceiver = pc.addTransceiver("video", direction="recvonly")
    if codec:
        from aiortc import RTCRtpReceiver

        caps = RTCRtpReceiver.getCapabilities("video")
        assert caps is not None
        transceiver.setCodecPreferences([c for c in caps.codecs if c.mimeType == f"video/{codec}"])

    @pc.on("track")
    def on_track(track: object) -> None:
        async def pull() -> None:
            while True:
                frames.append(await track.recv())  # type: ignore[attr-defined]

        asyncio.ensure_future(pull())

    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/whep/{camera_id}", content=pc.localDescription.sdp,
                                   headers={"Content-Type": "application/sdp"}, timeout=20)
    assert answer.status_code == 201, answer.text
    await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
    return pc, answer.headers["location"]


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def test_whip_publisher_becomes_a_camera_and_whep_viewer_sees_it(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([])
    server = live_server(hub)

    async def scenario() -> None:
        publisher, location = await whip_publish(server.base, "phone-1")
        assert location.startswith("/whip/")
        await until(lambda: "phone-1" in hub.camera_ids()
                    and hub.camera("phone-1").sub.meter.frames_in >= 5, 30, "published frames")
        health = {h.camera_id: h for h in hub.health()}["phone-1"]
        assert health.center == "532622101" and health.status in ("online", "degraded")
        jpeg = await asyncio.to_thread(hub.snapshot, "phone-1")
        assert jpeg is not None and jpeg[:2] == b"\xff\xd8"

        async with httpx.AsyncClient() as client:
            second = await client.post(
                f"{server.base}/whip", params={"camera": "phone-1", "center": "532622101"},
                content="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
                headers={"Content-Type": "application/sdp"}, timeout=20)
        assert second.status_code == 409, "one publisher per camera"

        received: list[av.VideoFrame] = []
        viewer, view_location = await whep_view(server.base, "phone-1", received)
        await until(lambda: len(received) >= 5, 30, "WHEP frames")
        stamps = [read_stamp(f.to_ndarray(format="gray")) for f in received[-3:]]
        assert any(s is not None and abs(s - time.time() * 1000) < 60_000 for s in stamps), \
            "the viewer sees the publisher's picture (its stamped capture time)"

        async with httpx.AsyncClient() as client:
            gone = await client.delete(f"{server.base}{view_location}", timeout=10)
            assert gone.status_code == 200
            again = await client.delete(f"{server.base}{view_location}", timeout=10)
            assert again.status_code == 404
            ended = await client.delete(f"{server.base}{location}", timeout=10)
            assert ended.status_code == 200
        await viewer.close()
        await publisher.close()
        await until(lambda: "phone-1" not in hub.camera_ids(), 10, "publisher camera removed")
        assert not any(t.name.startswith("capture:phone-1") for t in __import__("threading").enumerate())

    asyncio.run(scenario())


@pytest.mark.rtsp
def test_whep_passes_rtsp_h264_through(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub],
    live_server: Callable[..., LiveServer],
) -> None:
    rtsp = rtsp_server()
    hub = make_hub([camera("cross", rtsp.url())])
    server = live_server(hub)
    wait_for(lambda: hub.camera("cross").sub.passthrough, 15, "H.264 stream open")

    async def scenario() -> None:
        received: list[av.VideoFrame] = []
        # aiortc's default offer lists VP8 first: the hub must still answer with H.264.
        viewer, location = await whep_view(server.base, "cross", received)
        answer = viewer.remoteDescription.sdp
        first_pt = answer.split("m=video ", 1)[1].split("\r\n", 1)[0].split()[2]
        assert f"a=rtpmap:{first_pt} H264/90000" in answer, [x for x in answer.split("\r\n") if x.startswith(("m=", "a=rtpmap"))]
        await until(lambda: len(received) >= 5, 30, "pass-through frames")
        assert (received[-1].width, received[-1].height) == (640, 360)
        routes_gateway = [s for s in _gateway(server).sessions.values() if s.kind == "whep"]
        assert len(routes_gateway) == 1 and routes_gateway[0].passthrough
        async with httpx.AsyncClient() as client:
            assert (await client.delete(f"{server.base}{location}", timeout=10)).status_code == 200
        await viewer.close()
        assert hub.camera("cross").sub.viewers == 0

    asyncio.run(scenario())


def _gateway(server: LiveServer) -> object:
    # The routes hold one gateway; reach it through an endpoint's bound instance.
    for route in server.app.routes:
        owner = getattr(getattr(route, "endpoint", None), "__self__", None)
        if owner is not None:
            return owner.webrtc
    raise AssertionError("no stream routes")


def test_bad_offers_get_clear_4xx(make_hub: Callable[..., StreamHub],
                                  live_server: Callable[..., LiveServer]) -> None:
    hub = make_hub([camera("c1", "sim://?w=320&h=180&fps=5")])
    server = live_server(hub)
    sdp = {"Content-Type": "application/sdp"}
    wrong_type = httpx.post(f"{server.base}/whep/c1", content="v=0", timeout=10,
                            headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and "application/sdp" in wrong_type.json()["error"]
    garbage = httpx.post(f"{server.base}/whep/c1", content="hello", headers=sdp, timeout=10)
    assert garbage.status_code == 400 and "v=0" in garbage.json()["error"]
    no_video = httpx.post(f"{server.base}/whep/c1", content="v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n",
                          headers=sdp, timeout=10)
    assert no_video.status_code == 400 and "m=video" in no_video.json()["error"]
    broken = httpx.post(f"{server.base}/whep/c1", headers=sdp, timeout=10,
                        content="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 junk\r\n")
    assert broken.status_code == 400
    not_whip = httpx.post(f"{server.base}/whip", params={"camera": "c1"}, content="v=0\r\nm=video",
                          headers=sdp, timeout=10)
    assert not_whip.status_code == 400 and "not a WHIP camera" in not_whip.json()["error"]
    no_center = httpx.post(f"{server.base}/whip", params={"camera": "new"}, headers=sdp, timeout=10,
                           content="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n")
    assert no_center.status_code == 400 and "new" not in hub.camera_ids()
    assert _gateway(server).sessions == {}  # type: ignore[attr-defined]
    assert _gateway(server).configuration().iceServers == []  # type: ignore[attr-defined]
