"""The recording service on SQLite and PostgreSQL with a real RTSP camera: segments indexed
as they close, the index rebuilt from the disk after a restart, retention oldest first that
never deletes what a case's clip was cut from, a clip kept as evidence with its SHA-256 on the
trail, and the routes (timeline, segment with range requests, clips) scoped like live video."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from config.recording import RecordingPolicy
from dashboard.auth.cameras import camera_authorizer
from dashboard.recordings.routes import build_recording_routes
from dashboard.recordings.service import RecordingService
from dispatch.models import Attachment, CaseEvent, RecordingClip, RecordingSegment
from dispatch.principal import Principal
from streams.hub import StreamHub
from tests.dispatch.factories import OPERATOR, OTHER_COUNTY, Db, make_db, new_case, principal
from tests.live import LiveASGI
from tests.streams.conftest import camera, fast_settings
from tests.streams.record.conftest import StampedCamera, stamps

pytestmark = pytest.mark.rtsp
CAM = "cam-jiangna-1"  # the example deployment's camera, under the township


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    made = make_db(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()


class As:
    """Puts a principal into every request's scope, as the product's auth middleware does."""

    def __init__(self, app: ASGIApp, who: list[Principal]) -> None:
        self.app, self.who = app, who

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["principal"] = self.who[0]
        await self.app(scope, receive, send)


def test_index_retention_clip_and_routes(db: Db, tmp_path: Path,
                                         stamped_camera: Callable[[], StampedCamera]) -> None:
    cam = stamped_camera()
    store = tmp_path / "video"
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=2,
                             storage=[{"path": store, "quota_gb": 1}])  # type: ignore[list-item]
    hub = StreamHub([camera(CAM, cam.url, tamper=False)], fast_settings())
    hub.start_sync()
    service = RecordingService(hub, policy, db.factory, tmp_path, "Asia/Shanghai")
    service.start_sync()
    try:
        time.sleep(7)
        service.stop_sync()  # a restart of the product: open segments closed and indexed
        with db.begin() as session:
            first = session.scalars(sa.select(RecordingSegment).order_by(RecordingSegment.start_at)).all()
            assert len(first) >= 3
            dropped = first[0].path
            session.delete(first[0])  # a file the index lost: found again on the next start
        service.start_sync()
        # A busy machine takes a while to reconnect; the clip below needs 3.5 s recorded since.
        deadline = time.monotonic() + 30
        while not ((rec := service.recorder.camera(CAM)) is not None and rec.recording):
            assert time.monotonic() < deadline, "recording did not resume after the restart"
            time.sleep(0.1)
        time.sleep(4)
        case = new_case(db)
        at = time.time() - 1.5
        clips = service.keep_clip(OPERATOR, case.id, [CAM], at, 2, 1)
        service.flush()
        with db.begin() as session:
            rows = session.scalars(sa.select(RecordingSegment).order_by(RecordingSegment.start_at)).all()
            clip = session.get(RecordingClip, clips[0].id)
            assert clip is not None
            attachment = session.get(Attachment, clip.attachment_id)
            trail = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.seq.desc())).first()
        assert dropped in [r.path for r in rows], "the restart indexed the file the index had lost"
        assert rows and not any(r.transcoded for r in rows), "an RTSP camera's packets are copied"
        figures = service.stats()
        assert figures[f"disk:{store}"] == sum(r.size for r in rows) and figures["recording"] == 1
        assert attachment is not None and attachment.content_type == "video/mp4"
        kept = tmp_path / attachment.stored_path
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == clip.sha256 == attachment.sha256
        assert trail is not None and trail.action == "clip" and trail.payload["sha256"] == clip.sha256
        times = stamps(kept)
        assert times[0] <= at - 2 + 0.15 and times[-1] >= at + 0.5  # capture stamps run ahead of arrival by the latency
        bound = [r for r in rows if r.case_id == case.id]
        assert bound and all(r.start_at.timestamp() < at + 1 for r in bound)

        # Retention: a quota that leaves room for all but the two oldest free segments.
        free = [r for r in rows if r.case_id is None]
        total = sum(r.size for r in rows)
        service.policy.storage[0].quota_gb = (total - free[0].size - free[1].size) / 1e9
        deleted = service.apply_retention()
        assert deleted == [free[0].path, free[1].path]
        assert not (store / free[0].path).exists() and (store / free[2].path).exists()
        service.policy.storage[0].quota_gb = 1e-9  # no room at all: only the case's stay
        service.apply_retention()
        with db.begin() as session:
            left = session.scalars(sa.select(RecordingSegment)).all()
        assert left and all(r.case_id == case.id for r in left)
        assert all((store / r.path).exists() for r in left)

        # Routes: scoped like live video.
        who = [OPERATOR]
        app = Starlette(routes=build_recording_routes(service, camera_authorizer(db.factory)))
        live = LiveASGI(As(app, who)).__enter__()
        client = httpx.Client(base_url=live.base, timeout=30)
        start, end = left[0].start_at.timestamp() - 60, time.time() + 60
        answer = client.get(f"/recordings/{CAM}/timeline", params={"start": start, "end": end})
        assert answer.status_code == 200
        assert [s["id"] for s in answer.json()["segments"]] == [r.id for r in left]
        url = f"/recordings/{CAM}/segment/{left[0].id}.mp4"
        part = client.get(url, headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        assert part.content == (store / left[0].path).read_bytes()[:100]
        assert client.get(f"/recordings/{CAM}/timeline", params={"start": "x", "end": end}).status_code == 400
        assert client.get(f"/recordings/{CAM}/segment/999999.mp4").status_code == 404
        made = client.post("/recordings/clips", json={"case": case.number, "cameras": [CAM],
                                                       "at": at, "before": 1, "after": 0.5})
        assert made.status_code == 201, made.text
        assert len(made.json()["clips"][0]["sha256"]) == 64
        assert client.post("/recordings/clips", json={"case": case.number}).status_code == 400
        exported = client.get(f"/recordings/clips/{clips[0].id}/export.mp4")
        assert exported.status_code == 200 and exported.content[4:8] == b"ftyp"
        original = client.get(f"/recordings/clips/{clips[0].id}.mp4")
        assert original.status_code == 200 and original.content == kept.read_bytes()
        assert "attachment" not in original.headers.get("content-disposition", "")
        head = client.get(f"/recordings/clips/{clips[0].id}.mp4", headers={"Range": "bytes=0-9"})
        assert head.status_code == 206 and head.content == kept.read_bytes()[:10]
        saved = client.get(f"/recordings/clips/{clips[0].id}.mp4", params={"download": "1"})
        assert saved.headers["content-disposition"].startswith("attachment")
        assert client.get("/recordings/clips/999999.mp4").status_code == 404
        who[0] = principal(OTHER_COUNTY, actor="other-county-op")
        assert client.get(url).status_code in (403, 404)
        assert client.get(f"/recordings/{CAM}/timeline", params={"start": start, "end": end}).status_code in (403, 404)
        assert client.get(f"/recordings/clips/{clips[0].id}/export.mp4").status_code == 403
        assert client.get(f"/recordings/clips/{clips[0].id}.mp4").status_code == 403
        client.close()
        live.__exit__()
    finally:
        service.stop_sync()
        hub.stop_sync()
