"""Through the live server: evidence from a camera and from a participant, stored, served and
listed with the case; arrival, note and a supervision action; the end writes the summary and
frees every peer of the room."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

import httpx
import sqlalchemy as sa
from PIL import Image

from dispatch.models import CaseEvent
from tests.consultation.conftest import LiveSession
from tests.consultation.peers import Client, wait_until
from tests.consultation.test_media import OP, start

LEADER = {"X-Test-Principal": "leader"}


def test_evidence_actions_and_end(live: LiveSession, make_case: Callable[[], int]) -> None:
    case_id = make_case()
    made = start(live, case_id)
    cid = made["id"]
    worker = next(i for i in made["invitations"] if i["role"] == "grid_worker")
    field_feed = f"p-{worker['participant']}"

    async def scenario() -> None:
        field = Client(live.base, worker["link"], "field", width=640, height=480)
        op = Client(live.base, made["join"], "operator")
        try:
            await field.join()
            await op.join()
            got = await op.view(field_feed)
            await wait_until(lambda: got.video_frames >= 5, what="the field picture")
            async with httpx.AsyncClient(base_url=live.base, headers=OP, timeout=30) as http:
                for feed in (field_feed, "c-cam-gate"):
                    shot = await http.post(f"/api/consultations/{cid}/evidence", json={"feed": feed})
                    assert shot.status_code == 201, shot.text
                missing = await http.post(f"/api/consultations/{cid}/evidence", json={"feed": "c-cam-town"})
                assert missing.status_code == 422  # not attached: not a feed of this session
                arrived = await http.post(f"/api/consultations/{cid}/arrivals",
                                          json={"participant_id": worker["participant"]})
                assert arrived.status_code == 201 and arrived.json()["seconds_after_start"] >= 0
                note = await http.post(f"/api/consultations/{cid}/notes", json={"text": "<b>现场已控制</b>"})
                assert note.status_code == 201
                urge = await http.post(f"/api/consultations/{cid}/actions", headers=LEADER,
                                       json={"action": "urge", "payload": {"message": "尽快签收"}})
                assert urge.status_code == 200, urge.text
                refused = await http.post(f"/api/consultations/{cid}/actions",
                                          json={"action": "close", "payload": {}})
                assert refused.status_code == 422
                # A camera's grade follows its measured rate: a publisher still warming up (or a
                # busy 2-core machine) may read "degraded" for a moment; both must come online.
                for _ in range(60):
                    doc = (await http.get(f"/api/consultations/{cid}")).json()
                    if [c["status"] for c in doc["cameras"]] == ["online", "online"]:
                        break
                    await asyncio.sleep(0.5)
                assert {p["state"] for p in doc["participants"] if p["publishing"]} == {"connected"}
                assert [c["status"] for c in doc["cameras"]] == ["online", "online"]
                assert doc["case"]["due_at"] and doc["case"]["state"] == "dispatched"
                assert len(doc["evidence"]) == 2
                for ev in doc["evidence"]:
                    picture = await http.get(ev["url"])
                    assert picture.status_code == 200
                    assert picture.headers["content-type"] == "image/jpeg"
                    image = Image.open(io.BytesIO(picture.content))
                    # The caption band is added below the picture, so the JPEG is taller.
                    assert image.height > (480 if ev["feed"] == field_feed else 180)
                case_doc = (await http.get(f"/api/cases/{case_id}")).json()
                listed = {a["id"] for a in case_doc["attachments"]}
                assert {ev["attachment_id"] for ev in doc["evidence"]} <= listed
                assert live.conference.peer_count(str(cid)) == 3  # two publishers, one viewer
                ended = await http.post(f"/api/consultations/{cid}/end", json={"conclusion": "明日调解"})
                assert ended.status_code == 200, ended.text
                summary = ended.json()
            assert live.conference.peer_count(str(cid)) == 0 and str(cid) not in live.conference.rooms
            joined = {p["participant"] for p in summary["participants"] if p["joined"]}
            assert joined == {worker["participant"], made["participant"]}
            assert [d["action"] for d in summary["decisions"]] == ["note", "urge"]
            assert summary["evidence"] == 2 and summary["conclusion"] == "明日调解"
            gone = await field.http.get(f"{worker['link']}/state")
            assert gone.status_code == 403
        finally:
            await field.close()
            await op.close()

    asyncio.run(scenario())
    with live.db.factory() as s:
        trail = [(e.action, e.actor) for e in s.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))]
    actions = [a for a, _ in trail]
    assert actions.count("session_join") == 2 and actions.count("session_evidence") == 2
    assert {"session_arrival", "session_note", "urge", "session_end"} <= set(actions)
    assert actions[-1] == "session_end"


def test_a_failed_camera_shows_its_status(live: LiveSession, make_case: Callable[[], int]) -> None:
    case_id = make_case()
    made = start(live, case_id)
    with httpx.Client(base_url=live.base, headers=OP, timeout=30) as http:
        attached = http.post(f"/api/consultations/{made['id']}/cameras", json={"camera_id": "cam-town"})
        assert attached.status_code == 200, attached.text
        deadline = time.monotonic() + 20
        while True:
            state = http.get(f"{made['join']}/state").json()
            status = {f["feed"]: f["state"] for f in state["feeds"]}
            if status.get("c-cam-town") == "offline" and status.get("c-cam-gate") == "online":
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        gone = http.delete(f"/api/consultations/{made['id']}/cameras/cam-town")
        assert gone.status_code == 200
        assert "c-cam-town" not in {f["feed"] for f in http.get(f"{made['join']}/state").json()["feeds"]}
        page = http.get(made["join"])
        assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
        assert "http://" not in page.text and "https://" not in page.text  # nothing from outside
