"""A gathering's case gets the recording around it: the camera-event sink files the case, then
the recording service cuts the seconds before and after the moment and keeps them as evidence."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.cameras import CameraConfig
from config.recording import RecordingPolicy
from dashboard.recordings.service import RecordingService
from dashboard.server.camera_events import CameraEventSink
from dashboard.server.gathering_clips import gathering_clipper
from dispatch.models import Attachment, Case, CaseEvent, RecordingClip
from streams.hub import StreamHub
from streams.types import CameraEvent
from tests.dispatch.factories import Db, make_db
from tests.streams.conftest import camera, fast_settings
from tests.streams.record.conftest import StampedCamera, stamps

pytestmark = pytest.mark.rtsp
CAM = "cam-jiangna-1"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    made = make_db(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()


def test_the_gathering_case_gets_its_clip(db: Db, tmp_path: Path,
                                          stamped_camera: Callable[[], StampedCamera]) -> None:
    cam = stamped_camera()
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=2,
                             storage=[{"path": tmp_path / "video", "quota_gb": 1}])  # type: ignore[list-item]
    hub = StreamHub([camera(CAM, cam.url, tamper=False)], fast_settings())
    hub.start_sync()
    service = RecordingService(hub, policy, db.factory, tmp_path, "Asia/Shanghai")
    service.start_sync()
    try:
        time.sleep(5)
        cfg = CameraConfig(id=CAM, name="广场", center="532622101201", sub_url=cam.url,
                           gathering={"zones": [{"name": "东侧", "min_people": 5,
                                                 "points": [[0, 0], [1, 0], [1, 1]]}]})
        sink = CameraEventSink(db.factory, cameras=[cfg], sla=db.sla, data_dir=tmp_path,
                               clip=gathering_clipper(service, db.factory, before=2, after=1))
        at = time.time() - 1.0
        sink.handle(CameraEvent(CAM, "532622101201", "gathering", "online", detail="东侧:7",
                                at=datetime.fromtimestamp(at, UTC), snapshot_jpeg=JPEG))
        deadline = time.monotonic() + 30
        while True:
            with db.factory() as s:
                clips = s.scalars(sa.select(RecordingClip)).all()
            if clips or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        service.flush()
    finally:
        service.stop_sync()
        hub.stop_sync()
    with db.factory() as s:
        case = s.scalars(sa.select(Case).where(Case.kind == "gathering")).one()
        assert [c.case_id for c in clips] == [case.id]
        files = s.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)
                          .order_by(Attachment.id)).all()
        assert [f.content_type for f in files] == ["image/jpeg", "video/mp4"]
        trail = [e.action for e in s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                             .order_by(CaseEvent.seq))]
        assert trail[-1] == "clip" and clips[0].created_by == "system:gathering"
        times = stamps(tmp_path / files[1].stored_path)
    assert times[0] <= at - 2 + 0.5 and times[-1] >= at  # the seconds around the gathering
