"""Two real aiortc participants through the real endpoints on uvicorn: video, audio, leave,
rejoin, a dropped network, refused tokens, and a room that frees every peer when ended."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import httpx
import sqlalchemy as sa

from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee
from dispatch.models import CaseEvent
from tests.consultation.conftest import LiveSession
from tests.consultation.peers import Client, wait_until
from tests.dispatch.factories import OPERATOR

OP = {"X-Test-Principal": "township"}


def start(live: LiveSession, case_id: int) -> dict:
    with httpx.Client(base_url=live.base, headers=OP, timeout=30) as http:
        made = http.post("/api/consultations", json={"case_id": case_id, "invite_chain": True,
                                                     "attach": 2})
    assert made.status_code == 201, made.text
    return made.json()


def events(live: LiveSession, case_id: int, action: str) -> list[CaseEvent]:
    with live.db.factory() as s:
        return list(s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                         CaseEvent.action == action)
                              .order_by(CaseEvent.seq)))


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_two_participants_see_and_hear_each_other_leave_and_rejoin(
    live: LiveSession, make_case: Callable[[], int]
) -> None:
    case_id = make_case()
    made = start(live, case_id)
    worker = next(i for i in made["invitations"] if i["role"] == "grid_worker")
    access = Collect()
    logging.getLogger("uvicorn.access").addHandler(access)

    async def scenario() -> None:
        op = Client(live.base, made["join"], "operator")
        field = Client(live.base, worker["link"], "field")
        try:
            await op.join()
            await field.join()
            state = await op.state()
            feeds = {f["feed"]: f for f in state["feeds"]}
            field_feed = f"p-{worker['participant']}"
            assert field_feed in feeds and {"c-cam-jiangna-1", "c-cam-gate"} <= set(feeds)
            op_feed = f"p-{made['participant']}"
            assert op_feed in {f["feed"] for f in (await field.state())["feeds"]}
            got_by_op = await op.view(field_feed)
            got_by_field = await field.view(op_feed)
            cam = await field.view("c-cam-gate", audio=False)
            await wait_until(lambda: got_by_op.video_frames >= 10 and got_by_field.video_frames >= 10
                             and cam.video_frames >= 5, what="video both ways and a camera")
            await wait_until(lambda: got_by_op.audio_frames >= 25 and got_by_field.audio_frames >= 25,
                             what="audio both ways")
            assert got_by_op.video_sizes == {(320, 240)} and cam.video_sizes == {(320, 180)}
            # A 440 Hz tone at 8000 peak survives Opus: far above silence (0) and dither.
            assert got_by_op.audio_peak > 2000 and got_by_field.audio_peak > 2000
            # Each viewed picture has one shared encoder, however many viewers it has.
            room = live.conference.rooms[str(made["id"])]
            assert set(room.encoders) == {field_feed, op_feed, "c-cam-gate"}
            assert all(e.encoded > 0 for e in room.encoders.values())

            await field.leave()
            await wait_until(lambda: field_feed not in live.conference.publishing(str(made["id"])),
                             what="the room to drop the leaver")
            assert field_feed not in {f["feed"] for f in (await op.state())["feeds"]}
            await op.unview(field_feed)

            await field.join()  # the same link rejoins
            again = await op.view(field_feed)
            await wait_until(lambda: again.video_frames >= 10, what="video after the rejoin")

            await field.drop()  # the network goes: no goodbye
            await wait_until(lambda: _state_of(live, worker["participant"]) == "disconnected",
                             timeout=60, what="the dropped participant shown disconnected")
        finally:
            await op.close()
            await field.close()

    try:
        asyncio.run(scenario())
    finally:
        logging.getLogger("uvicorn.access").removeHandler(access)
    token = worker["link"].rsplit("/", 1)[-1]
    assert any("/join/***/whip" in line for line in access.lines)
    assert not any(token in line for line in access.lines)  # tokens never reach a log
    joins = events(live, case_id, "session_join")
    assert [e.payload["rejoin"] for e in joins if e.payload["participant"] == worker["participant"]] == [False, True]
    def of_worker(action: str) -> int:
        return sum(e.payload["participant"] == worker["participant"] for e in events(live, case_id, action))

    assert of_worker("session_leave") == 1 and of_worker("session_drop") == 1
    trail = " ".join(str(e.payload) for e in events(live, case_id, "session_join"))
    assert worker["link"].rsplit("/", 1)[-1] not in trail


def _state_of(live: LiveSession, participant_id: int) -> str:
    from dispatch.consultation.models import Participant

    with live.db.factory() as s:
        person = s.get(Participant, participant_id)
        assert person is not None
        return person.state


def test_forged_and_expired_tokens_see_nothing(live: LiveSession, make_case: Callable[[], int]) -> None:
    case_id = make_case()
    made = start(live, case_id)
    with live.db.factory.begin() as s:
        expired = svc.invite(s, OPERATOR, made["id"], Invitee("过期者", "guest"), key=b"k" * 32,
                             ttl=timedelta(seconds=1), now=svc._now(None) - timedelta(seconds=5))
    good = made["join"]
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with httpx.Client(base_url=live.base, timeout=30) as http:
        assert http.get(f"{good}/state").status_code == 200
        for link, status in ((forged, 404), ("/join/nonsense", 404), (f"/join/{expired.token}", 403)):
            for method, path in (("GET", ""), ("GET", "/state"), ("POST", "/whip"),
                                 ("POST", "/whep/c-cam-gate"), ("POST", "/leave")):
                answer = http.request(method, link + path, content=b"v=0\r\n")
                assert answer.status_code == status, (link, path, answer.text)
                assert "江那" not in answer.text and "ZZ-" not in answer.text
        # Without a principal the operator API answers 401, never the session.
        assert http.get(f"/api/consultations/{made['id']}").status_code == 401
        other = http.get(f"/api/consultations/{made['id']}", headers={"X-Test-Principal": "other-county"})
        assert other.status_code == 404
