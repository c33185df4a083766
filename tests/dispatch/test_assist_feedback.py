"""协办: every assist order signs and reports its own part (text and photos) on the case's
clock; the lead's resolution lists each assist's part, and an assist that never reported is
shown as such, not marked done. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from dashboard.desk.case_view import load_case
from dispatch.assist import report_part
from dispatch.cases import replay_matches, timeline
from dispatch.clock import SlaClock
from dispatch.errors import ActionNotAllowed, Forbidden, InvalidInput
from dispatch.events import InProcessBus
from dispatch.models import Alert, Attachment, Case, DispatchOrder
from dispatch.principal import Role
from dispatch.workflow import allowed_actions
from tests.dispatch.apiclient import api_for
from tests.dispatch.factories import (
    JUDICIAL,
    OPERATOR,
    T0,
    TOWNSHIP,
    VILLAGE_OP,
    Db,
    act,
    new_case,
    order_ids,
    principal,
)

H = timedelta(hours=1)
VILLAGE_B = principal(TOWNSHIP + "/532622101202", Role.OPERATOR, actor="village-b-op")


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "JPEG")
    return out.getvalue()


def joint_case(db: Db) -> tuple[int, int, int, int]:
    """A township case led by the judicial office with two villages assisting:
    (case, lead, assist of village A, assist of village B)."""
    case = new_case(db, channel="walk_in")
    act(db, OPERATOR, case.id, "accept")
    act(db, OPERATOR, case.id, "dispatch", lead={"department": "532622101-judicial"},
        assists=[{"center": "532622101201"}, {"center": "532622101202"}])  # fmt: skip
    (lead,) = order_ids(db, case.id)["lead/pending"]
    a, b = order_ids(db, case.id)["assist/pending"]
    return case.id, lead, a, b


def report(db: Db, who: Any, case_id: int, order_id: int, text: str, files: list, at: Any,
           data_dir: Path) -> Case:  # fmt: skip
    with db.begin() as s:
        return report_part(s, who, case_id, {"order_id": order_id, "feedback": text}, files,
                           sla=db.sla, data_dir=data_dir, now=at)  # fmt: skip


def resolve(db: Db, case_id: int, lead: int, at: Any) -> None:
    act(db, JUDICIAL, case_id, "sign", at, order_id=lead)
    act(db, JUDICIAL, case_id, "start", at, order_id=lead)
    act(db, JUDICIAL, case_id, "resolve", at, order_id=lead, result="双方达成调解协议")


def test_each_assist_reports_its_part_and_the_silent_one_shows(db: Db, tmp_path: Path) -> None:
    case_id, lead, a, b = joint_case(db)
    act(db, VILLAGE_OP, case_id, "sign", T0 + H, order_id=a)
    act(db, VILLAGE_B, case_id, "sign", T0 + H, order_id=b)
    photos = [("现场1.jpg", "image/jpeg", jpeg("red")), ("现场2.jpg", "image/jpeg", jpeg("blue"))]
    case = report(db, VILLAGE_OP, case_id, a, "已入户走访，做通当事人工作", photos, T0 + 2 * H, tmp_path)
    assert case.state == "dispatched"  # the assist's part does not move the case
    with db.begin() as s:
        order_a = s.get(DispatchOrder, a)
        assert order_a is not None and order_a.state == "done"
        assert (order_a.feedback, order_a.feedback_at, order_a.feedback_by) == (
            "已入户走访，做通当事人工作", T0 + 2 * H, "village-op")
        stored = list(s.scalars(sa.select(Attachment).where(Attachment.order_id == a)))
        assert sorted(x.filename for x in stored) == ["现场1.jpg", "现场2.jpg"]
        assert all((tmp_path / x.stored_path).read_bytes()[:3] == b"\xff\xd8\xff" for x in stored)
        last = timeline(s, case_id)[-1]
        assert last.action == "feedback" and sorted(last.payload["photos"]) == sorted(x.id for x in stored)
        assert last.payload["on_time"] is True
    resolve(db, case_id, lead, T0 + 3 * H)
    ids = order_ids(db, case_id)
    assert ids["lead/done"] == [lead] and ids["assist/done"] == [a]
    assert ids["assist/unreported"] == [b]  # never reported: not marked done
    with db.begin() as s:
        event = [e for e in timeline(s, case_id) if e.action == "resolve"][-1]
        parts = {p["order_id"]: p for p in event.payload["assists"]}
        assert parts[a]["reported"] and parts[a]["feedback"] == "已入户走访，做通当事人工作"
        assert len(parts[a]["photos"]) == 2
        assert parts[b] == {"order_id": b, "reported": False, "feedback": None,
                            "feedback_at": None, "photos": []}  # fmt: skip
        assert replay_matches(s, s.get(Case, case_id))
        # The case page shows both: A's report with its time, B as never reported.
        number = s.get(Case, case_id).number  # type: ignore[union-attr]
        view = load_case(s, OPERATOR, number, "zh-CN", tmp_path)
        feedback = {o.target: o.feedback for o in view.orders if o.role == "协办"}
        assert any("已入户走访" in text for text in feedback.values())
        assert "未反馈" in feedback.values()
        resolved = [r for r in view.events if r.action == "办结"][-1]
        details = dict(resolved.details)
        assert "未反馈" in details["协办反馈"] and "已入户走访" in details["协办反馈"]
        assert "（照片 2 张）" in details["协办反馈"]
        english = load_case(s, OPERATOR, number, "en", tmp_path)
        assert "Never reported" in {o.feedback for o in english.orders}


def test_feedback_is_the_signed_assists_alone(db: Db, tmp_path: Path) -> None:
    case_id, lead, a, b = joint_case(db)
    with pytest.raises(ActionNotAllowed):  # 签收 first
        act(db, VILLAGE_OP, case_id, "feedback", order_id=a, feedback="已走访")
    act(db, VILLAGE_OP, case_id, "sign", order_id=a)
    act(db, JUDICIAL, case_id, "sign", order_id=lead)
    with pytest.raises(ActionNotAllowed):  # the lead resolves; it does not report a part
        act(db, JUDICIAL, case_id, "feedback", order_id=lead, feedback="主办反馈")
    with pytest.raises(Forbidden):  # village B does not hold A's order
        act(db, VILLAGE_B, case_id, "feedback", order_id=a, feedback="代为反馈")
    with db.begin() as s:
        assert "feedback" in allowed_actions(s, VILLAGE_OP, s.get(Case, case_id))
        assert "feedback" not in allowed_actions(s, VILLAGE_B, s.get(Case, case_id))
    other = new_case(db, channel="walk_in")
    with db.begin() as s:
        foreign = Attachment(case_id=other.id, filename="x.jpg", content_type="image/jpeg",
                             size=1, sha256="0" * 64, stored_path="x", created_at=T0,
                             created_by="op")  # fmt: skip
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id
    with pytest.raises(InvalidInput) as caught:
        act(db, VILLAGE_OP, case_id, "feedback", order_id=a, feedback="已走访", photos=[foreign_id])
    assert caught.value.field == "payload.photos[0]"
    with pytest.raises(InvalidInput) as caught:  # not a picture: refused, nothing stored
        report(db, VILLAGE_OP, case_id, a, "已走访", [("x.jpg", "image/jpeg", b"GIF89a...")],
               T0, tmp_path)  # fmt: skip
    assert caught.value.field == "photos[0]"
    with pytest.raises(Forbidden):  # refused before any photo is stored
        report(db, VILLAGE_B, case_id, a, "已走访", [("y.jpg", "image/jpeg", jpeg())], T0, tmp_path)
    with db.begin() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Attachment)
                        .where(Attachment.case_id == case_id)) == 0  # fmt: skip
    assert not (tmp_path / "attachments").exists()


def test_feedback_runs_on_the_case_clock(db: Db, tmp_path: Path) -> None:
    case_id, lead, a, b = joint_case(db)
    with db.begin() as s:
        due = s.get(Case, case_id).due_at  # type: ignore[union-attr]
    act(db, VILLAGE_OP, case_id, "sign", order_id=a)
    act(db, VILLAGE_B, case_id, "sign", order_id=b)
    report(db, VILLAGE_OP, case_id, a, "按期反馈", [], due - H, tmp_path)
    report(db, VILLAGE_B, case_id, b, "超期反馈", [], due + H, tmp_path)
    with db.begin() as s:
        late = {e.payload["order_id"]: e.payload["on_time"] for e in timeline(s, case_id)
                if e.action == "feedback"}  # fmt: skip
        assert late == {a: True, b: False}
        number = s.get(Case, case_id).number  # type: ignore[union-attr]
        rows = {o.feedback for o in load_case(s, OPERATOR, number, "zh-CN", tmp_path).orders}
        assert any(r.endswith("：超期反馈（超期反馈）") for r in rows)
        assert any(r.endswith("：按期反馈") for r in rows)


def test_an_unsigned_assist_order_raises_the_signing_alert(db: Db) -> None:
    case_id, lead, a, b = joint_case(db)
    act(db, JUDICIAL, case_id, "sign", order_id=lead)
    act(db, VILLAGE_OP, case_id, "sign", order_id=a)
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    assert clock.run_once(T0 + 3 * H).unsigned == 1  # village B's assist, 2 h after dispatch
    with db.begin() as s:
        (alert,) = s.scalars(sa.select(Alert).where(Alert.kind == "order_unsigned"))
        assert alert.params["order_id"] == b and alert.center_path.endswith("532622101202")
        assert alert.open_key is not None
    act(db, VILLAGE_B, case_id, "sign", T0 + 4 * H, order_id=b)
    with db.begin() as s:
        (alert,) = s.scalars(sa.select(Alert).where(Alert.kind == "order_unsigned"))
        assert alert.open_key is None and alert.cleared_at == T0 + 4 * H


def test_rework_lets_a_silent_assist_report(db: Db, tmp_path: Path) -> None:
    case_id, lead, a, b = joint_case(db)
    act(db, VILLAGE_OP, case_id, "sign", order_id=a)
    resolve(db, case_id, lead, T0 + H)
    assert set(order_ids(db, case_id)["assist/unreported"]) == {a, b}
    act(db, OPERATOR, case_id, "rework", T0 + 2 * H, reason="协办单位未反馈")
    ids = order_ids(db, case_id)
    assert ids["assist/signed"] == [a] and ids["assist/pending"] == [b]  # as they were
    report(db, VILLAGE_OP, case_id, a, "补充反馈", [], T0 + 3 * H, tmp_path)
    act(db, JUDICIAL, case_id, "resolve", T0 + 4 * H, order_id=lead, result="已补充办理")
    with db.begin() as s:
        event = [e for e in timeline(s, case_id) if e.action == "resolve"][-1]
        reported = {p["order_id"]: p["reported"] for p in event.payload["assists"]}
        assert reported == {a: True, b: False}
        assert replay_matches(s, s.get(Case, case_id))


def test_the_api_takes_feedback_with_photos_in_one_request(db: Db, tmp_path: Path) -> None:
    case_id, lead, a, b = joint_case(db)
    act(db, VILLAGE_OP, case_id, "sign", order_id=a)
    people = {"village": VILLAGE_OP, "village-b": VILLAGE_B}
    url = f"/api/cases/{case_id}/orders/{a}/feedback"
    with api_for(db, tmp_path, people) as (client, _):
        version = client.get(f"/api/cases/{case_id}", as_="village").json()["version"]
        files = [("photos", ("门前.jpg", jpeg("green"), "image/jpeg"))]
        refused = client.post(url, as_="village-b", data={"feedback": "代报", "expected_version": str(version)},
                              files=files)  # fmt: skip
        assert refused.status_code == 403, refused.text
        bad = client.post(url, as_="village", files=[("photos", ("x.jpg", b"not a jpeg", "image/jpeg"))],
                          data={"feedback": "已走访", "expected_version": str(version)})  # fmt: skip
        assert bad.status_code == 422 and bad.json()["field"] == "photos[0]", bad.text
        missing = client.post(url, as_="village", data={"expected_version": str(version)})
        assert missing.status_code == 422 and missing.json()["field"] == "payload.feedback"
        done = client.post(url, as_="village", data={"feedback": "已入户走访", "expected_version": str(version)},
                           files=files)  # fmt: skip
        assert done.status_code == 200, done.text
        doc = done.json()
        order = next(o for o in doc["orders"] if o["id"] == a)
        assert order["state"] == "done" and order["feedback"] == "已入户走访"
        (photo,) = [x for x in doc["attachments"] if x["order_id"] == a]
        got = client.get(f"/api/cases/{case_id}/attachments/{photo['id']}", as_="village")
        assert got.status_code == 200 and got.content == jpeg("green")
        assert doc["timeline"][-1]["payload"]["photos"] == [photo["id"]]
        again = client.post(url, as_="village", json={"feedback": "重复", "expected_version": doc["version"]})
        assert again.status_code == 409, again.text  # the order is done: no second report
        spec = client.get("/api/openapi.json").json()
        assert "/cases/{id}/orders/{order}/feedback" in spec["paths"]
        assert {"approve_return", "reject_return", "feedback"} <= set(spec["x-actions"])
