"""/streams, WHIP and WHEP behind the auth edge with the camera ``authorize`` hook.

Real hub with simulated cameras, real uvicorn, real aiortc peers.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import av
import httpx
import pytest
import sqlalchemy as sa
from aiortc import RTCPeerConnection, RTCSessionDescription

from config.cameras import CameraConfig
from dashboard.auth import camera_authorizer, camera_visibility
from dispatch.accounts.models import AccessAudit
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from tests.accounts.conftest import CAMERAS, COUNTY, VILLAGE, AccountsDb
from tests.accounts.live import LiveApp
from tests.streams.conftest import fast_settings
from tests.streams.webrtc.test_gateway import NO_ICE_SERVERS, SimTrack


@pytest.fixture
def hub() -> Iterator[StreamHub]:
    cams = [
        CameraConfig(id=cid, name=cid, center=code, sub_url=f"sim://?w=160&h=96&fps=8&label={cid}")
        for cid, code in CAMERAS.items()
    ]
    hub = StreamHub(cams, fast_settings())
    hub.start_sync()
    yield hub
    hub.stop_sync()


@pytest.fixture
def live(adb: AccountsDb, hub: StreamHub) -> Iterator[LiveApp]:
    def hub_center(camera_id: str) -> str | None:
        return hub.camera(camera_id).config.center if camera_id in hub.camera_ids() else None

    routes = build_stream_routes(
        hub, hub.settings, authorize=camera_authorizer(adb.factory, hub_center),
        visible=camera_visibility(adb.factory, hub.camera_ids, hub_center),
    )
    with LiveApp(adb, routes=routes) as app:
        yield app


def snapshot(c: httpx.Client, camera_id: str, **headers: str) -> int:
    """Status of the camera's snapshot, waiting out the first frame (503) of an allowed one."""
    deadline = time.monotonic() + 20
    while True:
        status = c.get(f"/streams/{camera_id}.jpg", headers=headers).status_code
        if status != 503 or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def first_mjpeg_part(c: httpx.Client, camera_id: str) -> tuple[int, bytes]:
    with c.stream("GET", f"/streams/{camera_id}.mjpg") as answer:
        if answer.status_code != 200:
            return answer.status_code, b""
        data = b""
        for chunk in answer.iter_bytes():
            data += chunk
            if b"\xff\xd9" in data:
                return 200, data
    return 200, data


def denied(adb: AccountsDb) -> list[tuple[str | None, str, str | None, int | None]]:
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).where(AccessAudit.event == "denied")).all()
        return [(r.actor, r.resource, r.center_path, r.status) for r in rows]


def test_township_operator_sees_its_cameras_only(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        assert snapshot(c, "cam-jiangna-town") == 200
        assert snapshot(c, "cam-jiangna-1") == 200  # a village of the township
        assert snapshot(c, "cam-pingyuan-town") == 403
        assert snapshot(c, "no-such-camera") == 404
        status, body = first_mjpeg_part(c, "cam-jiangna-town")
        assert status == 200 and b"\xff\xd8" in body
        assert first_mjpeg_part(c, "cam-pingyuan-town")[0] == 403
        assert c.get("/streams/health").status_code == 403  # an operator: no metrics.read
    assert ("op.jiangna", "camera:cam-pingyuan-town", "532600/532622/532622102", 403) in denied(adb)
    assert ("op.jiangna", "camera:no-such-camera", None, 404) in denied(adb)


def test_village_operator_is_refused_the_other_village_and_the_township(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.village", adb.user("op.village")) as c:
        assert snapshot(c, "cam-jiangna-1") == 200
        assert snapshot(c, "cam-dage-village") == 403
        assert snapshot(c, "cam-jiangna-town") == 403


def test_county_leader_sees_every_camera_of_the_county(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("leader.county", adb.user("leader.county")) as c:
        for cid in CAMERAS:
            assert snapshot(c, cid) == 200, cid
        health = c.get("/streams/health")
        assert health.status_code == 200 and {h["camera_id"] for h in health.json()} == set(CAMERAS)
    with live.login("admin", adb.user("admin")) as c:
        health = c.get("/streams/health")
        assert health.status_code == 200 and {h["camera_id"] for h in health.json()} >= set(CAMERAS)


def test_health_and_metrics_list_only_the_callers_subtree(live: LiveApp, adb: AccountsDb) -> None:
    own = {"cam-jiangna-town", "cam-jiangna-1", "cam-dage-village"}  # township and its villages
    with live.login("leader.jiangna", adb.user("leader.jiangna")) as c:
        health = c.get("/streams/health")
        assert health.status_code == 200
        assert {h["camera_id"] for h in health.json()} == own
        metrics = c.get("/metrics")
        assert metrics.status_code == 200
        named = set(re.findall(r'camera="([^"]+)"', metrics.text))
        assert named == own
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        assert c.get("/metrics").status_code == 403  # operators do not read metrics at all


def test_tokens_need_stream_view(live: LiveApp, adb: AccountsDb) -> None:
    hotline = adb.token("hotline", COUNTY, ["report"], ["hotline_12345"])
    viewer = adb.token("video-wall", VILLAGE, ["stream.view"])
    with live.client() as c:
        assert snapshot(c, "cam-jiangna-1", Authorization=f"Bearer {hotline}") == 403
        assert snapshot(c, "cam-jiangna-1", Authorization=f"Bearer {viewer}") == 200
        assert snapshot(c, "cam-dage-village", Authorization=f"Bearer {viewer}") == 403


async def whep(base: str, camera_id: str, headers: dict[str, str]) -> tuple[int, list[av.VideoFrame]]:
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    pc.addTransceiver("video", direction="recvonly")
    frames: list[av.VideoFrame] = []

    @pc.on("track")
    def on_track(track: object) -> None:
        async def pull() -> None:
            while len(frames) < 3:
                frames.append(await track.recv())  # type: ignore[attr-defined]

        asyncio.ensure_future(pull())

    await pc.setLocalDescription(await pc.createOffer())
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20) as client:
            answer = await client.post(f"/whep/{camera_id}", content=pc.localDescription.sdp,
                                        headers={"Content-Type": "application/sdp", **headers})
            if answer.status_code != 201:
                return answer.status_code, frames
            await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
            deadline = time.monotonic() + 20
            while len(frames) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await client.delete(answer.headers["location"], headers=headers)
            return 201, frames
    finally:
        await pc.close()


async def whip(base: str, camera_id: str, center: str, headers: dict[str, str]) -> int:
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    pc.addTransceiver(SimTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20) as client:
            answer = await client.post("/whip", params={"camera": camera_id, "center": center},
                                       content=pc.localDescription.sdp,
                                       headers={"Content-Type": "application/sdp", **headers})
            if answer.status_code == 201:
                await client.delete(answer.headers["location"], headers=headers)
            return answer.status_code
    finally:
        await pc.close()


def test_whep_and_whip_follow_the_same_scope(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        session = {"Cookie": f"zongzhi_session={c.cookies['zongzhi_session']}", "Origin": live.origin}
    status, frames = asyncio.run(whep(live.base, "cam-jiangna-town", session))
    assert status == 201 and len(frames) >= 3 and frames[0].width == 160
    assert asyncio.run(whep(live.base, "cam-pingyuan-town", session))[0] == 403
    assert asyncio.run(whip(live.base, "phone-jiangna", "532622101", session)) == 201
    assert asyncio.run(whip(live.base, "phone-elsewhere", "532622102", session)) == 403
    foreign = {**session, "Origin": "http://evil.example"}
    assert asyncio.run(whep(live.base, "cam-jiangna-town", foreign))[0] == 403  # CSRF
    with live.login("police", adb.user("police")) as c:
        liaison = {"Cookie": f"zongzhi_session={c.cookies['zongzhi_session']}", "Origin": live.origin}
    assert asyncio.run(whip(live.base, "phone-police", "532622", liaison)) == 403  # liaisons view only
    assert ("op.jiangna", "camera:phone-elsewhere", "532600/532622/532622102", 403) in denied(adb)
