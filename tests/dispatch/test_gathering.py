"""A gathering reported by a camera becomes a duty alert and a 聚集活动 case with its picture."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from config.cameras import CameraConfig
from dashboard.server.camera_events import CameraEventSink
from dispatch.gathering import gathering_risk, record_gathering
from dispatch.models import Alert, Attachment, Case
from dispatch.types import Risk
from streams.types import CameraEvent
from tests.dispatch.factories import T0, make_db

CAMERA = "cam-jiangna-1"  # in the example deployment, at village 532622101201
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"


def test_risk_grows_with_the_crowd() -> None:
    assert [gathering_risk(n, 5) for n in (5, 9, 10, 14, 15, 40)] == [
        Risk.LOW, Risk.LOW, Risk.MEDIUM, Risk.MEDIUM, Risk.HIGH, Risk.HIGH]
    assert gathering_risk(30, 20) == Risk.HIGH  # thirty people are a crowd whatever the zone


def test_the_sink_files_one_case_with_the_picture(database_url: str, tmp_path: Path) -> None:
    db = make_db(database_url)
    cam = CameraConfig(id=CAMERA, name="广场", center="532622101201", sub_url="sim://",
                       gathering={"zones": [{"name": "广场东", "min_people": 5,
                                             "points": [[0, 0], [1, 0], [1, 1]]}]})
    sink = CameraEventSink(db.factory, cameras=[cam], sla=db.sla, data_dir=tmp_path)
    event = CameraEvent(CAMERA, "532622101201", "gathering", "online", detail="广场东:12",
                        at=T0, snapshot_jpeg=JPEG)
    sink.handle(event)
    sink.handle(event)  # the same report again (a retry) makes nothing new
    with db.factory() as s:
        alerts = s.scalars(sa.select(Alert).where(Alert.kind == "camera_gathering")).all()
        cases = s.scalars(sa.select(Case).where(Case.kind == "gathering")).all()
        assert len(alerts) == 1 and len(cases) == 1
        alert, case = alerts[0], cases[0]
        assert alert.case_id == case.id and alert.camera_id == CAMERA
        assert alert.params == {"camera": "江那社区广场", "camera_id": CAMERA, "zone": "广场东",
                                "count": 12}
        assert (case.channel, case.sub_kind, case.camera_id) == ("camera_alert", "mass_gathering",
                                                                 CAMERA)
        assert case.owning_path.endswith("532622101201")
        assert case.risk == Risk.MEDIUM.value  # 12 people where 5 make a gathering
        files = s.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)).all()
        assert [(f.content_type, f.size) for f in files] == [("image/jpeg", len(JPEG))]
        assert (tmp_path / files[0].stored_path).read_bytes() == JPEG
    db.engine.dispose()


def test_a_later_gathering_is_a_new_alert_and_case(database_url: str) -> None:
    db = make_db(database_url)
    from datetime import timedelta

    with db.factory.begin() as s:
        first = record_gathering(s, CAMERA, "广场东", 6, min_people=5, at=T0, sla=db.sla)
        later = record_gathering(s, CAMERA, "广场东", 40, min_people=5,
                                 at=T0 + timedelta(hours=2), sla=db.sla)
        assert first[0].id != later[0].id and first[1].id != later[1].id
        assert (first[1].risk, later[1].risk) == (Risk.LOW.value, Risk.HIGH.value)
        assert later[0].severity == "critical" and first[0].severity == "warning"
        only_alert = record_gathering(s, CAMERA, "北门", 6, min_people=5, at=T0,
                                      file_case=False)
        assert only_alert[1] is None and only_alert[0].case_id is None
    db.engine.dispose()
