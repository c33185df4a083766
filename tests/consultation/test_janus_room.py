"""A video session on Janus (Debian's janus, started by the test) against the built-in room.

The same script runs on both engines: two aiortc participants and one Chromium participant
(fake camera and microphone, the real join page) join; each receives the others' video and an
RTSP camera (real H.264 from GStreamer) that Janus pulls itself through a Streaming
mountpoint; a note, an arrival, camera evidence, a leave, the end. On Janus the room is a
VideoRoom created and destroyed by the product, and no peer connection exists in Python; the
trail and the summary equal the built-in engine's.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.async_api import async_playwright

from config.cameras import CameraConfig
from config.media import JanusSettings
from dispatch.models import CaseEvent
from streams.conference.rooms import Conference
from streams.hub import StreamHub
from streams.janus.client import JanusClient
from streams.janus.engine import VIDEOROOM, JanusMedia
from streams.janus.server import JanusServer, janus_binary
from tests.browser import CHROMIUM
from tests.consultation.conftest import case_in_handling
from tests.consultation.janus_session import Served, Viewer, serve
from tests.consultation.peers import wait_until
from tests.consultation.test_chromium import poll
from tests.dispatch.factories import Db
from tests.streams.conftest import RtspServer, fast_settings

pytestmark = pytest.mark.skipif(janus_binary() is None, reason="Debian package janus missing")
OP = {"X-Test-Principal": "township"}
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "consultation"
CAMERA_PASSWORD = "s3cret-cam"


@pytest.fixture
def janus(tmp_path: Path) -> Any:
    server = JanusServer(tmp_path / "janus").start()
    yield server
    server.stop()


@pytest.fixture
def camera_hub() -> Any:
    """An RTSP camera (real H.264, a password) and a simulated one."""
    rtsp = RtspServer("--user", "cam", "--password", CAMERA_PASSWORD, "--width", "320",
                      "--height", "180")
    rtsp.start()
    hub = StreamHub([
        CameraConfig(id="cam-gate", name="江那社区大门", center="532622101201",
                     sub_url=rtsp.url(0, f"cam:{CAMERA_PASSWORD}@"), tamper=False),
        CameraConfig(id="cam-jiangna-1", name="江那社区广场", center="532622101201",
                     sub_url="sim://?w=320&h=180&fps=10&label=square", tamper=False),
    ], fast_settings())
    hub.start_sync()
    yield hub
    hub.stop_sync()
    rtsp.kill()


def janus_media(janus: JanusServer, hub: StreamHub) -> JanusMedia:
    settings = JanusSettings(url=janus.url, api_secret=janus.api_secret, admin_key=janus.admin_key)
    return JanusMedia(settings, hub, fallback=Conference(hub, hub.settings))


async def ask_janus(janus: JanusServer, body: dict[str, Any]) -> dict[str, Any]:
    """A VideoRoom request on a session of the test's own (what Janus itself says)."""
    client = JanusClient(janus.url, api_secret=janus.api_secret)
    try:
        handle = await client.attach(VIDEOROOM)
        return await client.request(handle, body)
    finally:
        await client.close()


def run_script(served: Served, db: Db, engine: str, janus: JanusServer) -> dict[str, Any]:
    """The same session on either engine; returns what the script saw and recorded."""
    case_id = case_in_handling(db)
    http = httpx.Client(base_url=served.base, headers=OP, timeout=30)
    made = http.post("/api/consultations", json={"case_id": case_id, "invite_chain": True,
                                                  "attach": 2}).json()
    sid, room = made["id"], str(made["id"])
    others = [i for i in made["invitations"] if i["participant"] != made["participant"]]
    worker = next(i for i in others if i["role"] == "grid_worker")
    third = next(i for i in others if i["participant"] != worker["participant"])
    feeds = {"op": f"p-{made['participant']}", "field": f"p-{worker['participant']}",
             "browser": f"p-{third['participant']}"}
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        op = Viewer(served.base, made["join"], "operator")
        field = Viewer(served.base, worker["link"], "field")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**CHROMIUM)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 800})
                await op.join()
                await field.join()
                await page.goto(served.base + third["link"])
                await poll(page, "document.getElementById('me').textContent !== '—'")
                await page.click("#join")
                await wait_until(lambda: feeds["browser"] in served.media.publishing(room),
                                 timeout=30, what="Chromium publishing")
                state = {f["feed"]: f for c in (field, op) for f in (await c.state())["feeds"]}
                seen["exchange"] = {f: state[f]["exchange"] for f in sorted(state)}
                got = {}
                for me, client in (("op", op), ("field", field)):
                    for who in ("op", "field", "browser"):
                        if who != me:
                            got[me, who] = await client.view_feed(state[feeds[who]])
                    got[me, "cam"] = await client.view_feed(state["c-cam-gate"], audio=False)
                got["op", "square"] = await op.view_feed(state["c-cam-jiangna-1"], audio=False)
                await wait_until(lambda: all(g.video_frames >= 10 for g in got.values()),
                                 timeout=40, what="every aiortc participant's video and cameras")
                await wait_until(lambda: all(g.audio_frames >= 25 for (_, who), g in got.items()
                                             if who in ("op", "field")), what="voices")
                seen["sizes"] = {f"{a}<-{b}": sorted(g.video_sizes) for (a, b), g in got.items()}
                seen["peak"] = min(g.audio_peak for (_, who), g in got.items() if who == "op")
                # The page plays both aiortc participants and the RTSP camera, moving.
                for feed in (feeds["op"], feeds["field"], "c-cam-gate", "c-cam-jiangna-1"):
                    await poll(page, f"(() => {{ const f = window.sessionStats.feeds['{feed}'];"
                               " return !!f && f.width > 0 && f.time > 1.0; })()", timeout=40)
                SHOTS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(SHOTS / f"session-{engine}.png"))
                if isinstance(served.media, JanusMedia):
                    seen["room_number"] = served.media.rooms[room].number
                    listed = await ask_janus(janus, {"request": "listparticipants",
                                                     "room": seen["room_number"]})
                    seen["janus_publishers"] = sorted(f"p-{p['id']}" for p in listed["participants"]
                                                      if p.get("publisher"))
                answer = await op.http.post(f"{made['join']}/notes", json={"text": "现场已控制"})
                assert answer.status_code == 201
                assert (await field.http.post(f"{worker['link']}/arrival")).status_code == 201
                evidence = await op.http.post(f"/api/consultations/{sid}/evidence", headers=OP,
                                              json={"feed": "c-cam-gate"})
                assert evidence.status_code == 201, evidence.text
                # A participant's picture: decoded by the built-in room; on Janus, taken by a
                # short-lived subscriber of the product.
                picture = await op.http.post(f"/api/consultations/{sid}/evidence", headers=OP,
                                             json={"feed": feeds["browser"]})
                assert picture.status_code == 201, picture.text
                shot = await op.http.get(picture.json()["url"], headers=OP)
                assert shot.status_code == 200 and shot.content[:2] == b"\xff\xd8"
                seen["evidence_bytes"] = len(shot.content)
                await field.leave()
                await wait_until(lambda: feeds["field"] not in served.media.publishing(room),
                                 what="the leave")
                ended = await op.http.post(f"/api/consultations/{sid}/end", headers=OP,
                                           json={"conclusion": "调解成功"})
                assert ended.status_code == 200, ended.text
                seen["peers_after_end"] = served.media.peer_count(room)
                if isinstance(served.media, JanusMedia):
                    seen["room_after_end"] = (await ask_janus(
                        janus, {"request": "exists", "room": seen["room_number"]}))["exists"]
            finally:
                await browser.close()
                await op.close()
                await field.close()
                http.close()

    asyncio.run(scenario())
    seen["trail"], seen["summary"] = recorded(db, case_id, sid, feeds)
    return seen


def recorded(db: Db, case_id: int, sid: int, feeds: dict[str, str]) -> tuple[list[Any], Any]:
    """The session's trail and summary with what differs between any two runs (ids, times,
    seconds) replaced by who it was."""
    who = {int(f[2:]): name for name, f in feeds.items()}
    with db.factory() as s:
        rows = list(s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.seq)))
        trail = [(e.action, _actor(e.actor, who), who.get(e.payload.get("participant")),
                  e.payload.get("rejoin"), e.payload.get("camera"), e.payload.get("text"))
                 for e in rows if e.action.startswith("session_") and e.action != "session_end"]
        end = next(e for e in rows if e.action == "session_end").payload
    summary = {
        "participants": [(who.get(p["participant"], p["role"]), p["role"], p["joined"],
                          p["seconds"] > 0, p["arrived_after_seconds"] is not None)
                         for p in end["participants"]],
        "cameras": end["cameras"], "evidence": end["evidence"],
        "decisions": [(d["action"], _actor(d["actor"], who), d.get("text")) for d in end["decisions"]],
        "conclusion": end["conclusion"],
        "session": end["session"] == sid,
    }
    return trail, summary


def _actor(actor: str, who: dict[int, str]) -> str:
    """A guest's actor names its participant id, which differs between runs."""
    kind, _, pid = actor.partition(":")
    return f"guest:{who.get(int(pid), pid)}" if kind == "guest" and pid.isdigit() else actor


def test_a_session_on_janus_matches_the_built_in_room(
    db: Db, tmp_path: Path, janus: JanusServer, camera_hub: StreamHub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    results = {}
    for engine in ("builtin", "janus"):
        media = (Conference(camera_hub, camera_hub.settings) if engine == "builtin"
                 else janus_media(janus, camera_hub))
        served = serve(db, tmp_path / f"data-{engine}", media)
        try:
            results[engine] = run_script(served, db, engine, janus)
        finally:
            served.stop()
    built, on_janus = results["builtin"], results["janus"]

    # Janus: participants view by its offer; the RTSP camera is a Janus mountpoint; the
    # simulated camera (Janus cannot pull it) stays on the built-in engine.
    assert set(built["exchange"].values()) == {"offer"}
    assert on_janus["exchange"]["c-cam-gate"] == "server-offer"
    assert on_janus["exchange"]["c-cam-jiangna-1"] == "offer"
    assert all(v == "server-offer" for f, v in on_janus["exchange"].items() if f.startswith("p-"))
    # Janus itself had the three participants publishing in the product's room.
    assert len(on_janus["janus_publishers"]) == 3
    for seen in (built, on_janus):
        assert seen["sizes"]["op<-field"] == [(320, 240)] and seen["sizes"]["field<-op"] == [(320, 240)]
        assert seen["sizes"]["op<-cam"] == [(320, 180)] and seen["sizes"]["field<-cam"] == [(320, 180)]
        assert min(w for w, _ in seen["sizes"]["op<-browser"]) >= 320
        assert seen["peak"] > 2000  # a 440 Hz tone, not silence
        assert seen["peers_after_end"] == 0
        assert seen["evidence_bytes"] > 5000  # a picture with a caption band, not a blank
    assert on_janus["room_after_end"] is False  # the product destroyed its VideoRoom
    # The same script leaves the same trail and the same summary on both engines.
    assert on_janus["trail"] == built["trail"]
    assert on_janus["summary"] == built["summary"]
    actions = [t[0] for t in built["trail"]]
    assert actions.count("session_join") == 3 and "session_leave" in actions
    assert built["summary"]["evidence"] == 2 and built["summary"]["cameras"] == ["cam-gate", "cam-jiangna-1"]
    # The camera's password never reaches a log line of the product.
    assert not any(CAMERA_PASSWORD in r.getMessage() for r in caplog.records)
