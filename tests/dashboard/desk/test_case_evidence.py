"""The case's cameras: a one-click snapshot kept as the case's evidence (an attachment and a
line on its trail), and the button that opens a video consultation with the case chosen."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image

from dashboard.server.services import Services
from dispatch.models import Attachment, CaseEvent
from tests.dashboard.desk.case_helpers import TOWN, TOWNSHIP, case_page, visible
from tests.dashboard.factories import make_case


class PictureHub:
    """The stream hub's snapshot, as the case page asks for it."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def snapshot(self, camera_id: str, stream: str = "sub", wait: float | None = None) -> bytes:
        self.asked.append((camera_id, stream))
        buf = io.BytesIO()
        Image.new("RGB", (320, 180), "green").save(buf, format="JPEG")
        return buf.getvalue()

    def health(self) -> list[object]:
        return []


def town_case(svc: Services) -> tuple[int, str]:
    with svc.session_factory.begin() as session:
        case = make_case(session, TOWN)
        return case.id, case.number or ""


def test_a_snapshot_becomes_evidence_of_the_case(services: Services) -> None:
    hub = PictureHub()
    services.hub = hub  # type: ignore[assignment]
    case_id, number = town_case(services)
    at = case_page(services, TOWNSHIP, number)
    snaps = [b for b in at.button if b.key and b.key.startswith("snap_")]
    assert [b.label for b in snaps][:2] == ["上村村口", "下村村口"]  # the village cameras first
    snaps[0].click().run()
    assert hub.asked == [(snaps[0].key.removeprefix("snap_"), "main")]
    with services.session_factory() as session:
        att = session.scalars(sa.select(Attachment).where(Attachment.case_id == case_id)).one()
        event = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.seq.desc())).first()
    assert att.content_type == "image/jpeg" and (services.settings.data_dir / att.stored_path).exists()
    assert event is not None and event.action == "snapshot" and event.payload["attachment"] == att.id
    assert any("已抓拍 上村村口" in s.value for s in at.success)
    text = visible(at)
    assert re.search(r"抓拍取证\s+摄像头：\s*上村村口", text)  # the trail line, translated
    assert len(at.get("image")) == 2  # under its trail line and among the case's photos


def test_without_a_picture_nothing_is_kept(services: Services) -> None:
    case_id, number = town_case(services)  # no stream hub: no picture
    at = case_page(services, TOWNSHIP, number)
    [b for b in at.button if b.key and b.key.startswith("snap_")][0].click().run()
    assert [e.value for e in at.error] == ["上村村口 暂无画面，未能抓拍"]
    with services.session_factory() as session:
        assert not session.scalars(sa.select(Attachment)).all()


def test_the_consultation_opens_with_the_case_chosen_by_number(services: Services) -> None:
    case_id, number = town_case(services)
    at = case_page(services, TOWNSHIP, number)
    at.button(key="start_consult").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="consult_case").value == number
    text = visible(at)
    assert "建议邀请：文山市东镇综治中心（乡镇（街道）综治中心）" in text
    assert "附近摄像机（由近及远）：上村村口、下村村口、东镇路口" in text


def test_a_village_sees_and_snaps_only_its_own_cameras(services: Services) -> None:
    import pytest

    from dispatch.casefile import case_by_number
    from dispatch.desk.evidence import save_snapshot
    from dispatch.errors import Forbidden
    from tests.dashboard.desk.case_helpers import VILLAGE, VILLAGER, act

    case_id, number = town_case(services)
    act(services, TOWNSHIP, case_id, "accept")
    act(services, TOWNSHIP, case_id, "dispatch", {"lead": {"center": VILLAGE}})
    at = case_page(services, VILLAGER, number)
    assert [b.label for b in at.button if b.key and b.key.startswith("snap_")] == ["上村村口"]
    with services.session_factory() as session:
        case = case_by_number(session, VILLAGER, number)
        with pytest.raises(Forbidden):
            save_snapshot(session, VILLAGER, case, f"cam-{TOWN}", jpeg=PictureHub().snapshot("x"),
                          data_dir=services.settings.data_dir)
