"""An API token's named actions are its grants for every workflow action (not only
``report``), within its center subtree; a token without the grant is refused naming it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dispatch.cases import orders_of
from dispatch.models import CaseEvent
from dispatch.workflow import TRANSITIONS
from tests.api.conftest import OTHER_TOWNSHIP, TOWNSHIP, Served
from tests.dispatch.factories import LEADER, OPERATOR, VILLAGE_OP, Db, act, new_case

VILLAGE = "532622101201"

#: state the case is walked to → the steps (principal, action, payload) from ``reported``.
WALKS: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {"reported": []}
WALKS["accepted"] = [(OPERATOR, "accept", {})]
WALKS["dispatched"] = [*WALKS["accepted"], (OPERATOR, "dispatch", {"lead": {"center": VILLAGE}})]
WALKS["signed"] = [*WALKS["dispatched"], (VILLAGE_OP, "sign", {"order_id": None})]
WALKS["handling"] = [*WALKS["signed"], (VILLAGE_OP, "start", {"order_id": None})]
WALKS["resolved"] = [*WALKS["handling"], (VILLAGE_OP, "resolve", {"order_id": None, "result": "已调解"})]
WALKS["verified"] = [*WALKS["resolved"], (OPERATOR, "verify", {})]
WALKS["visited"] = [*WALKS["verified"], (OPERATOR, "visit", {"satisfaction": "satisfied"})]
WALKS["closed"] = [*WALKS["visited"], (OPERATOR, "close", {})]
WALKS["suspended"] = [*WALKS["accepted"], (LEADER, "suspend", {"reason": "等待鉴定"})]
WALKS["return_asked"] = [*WALKS["dispatched"],
                         (VILLAGE_OP, "return", {"order_id": None, "reason": "非本级职责"})]
WALKS["assist_signed"] = [
    *WALKS["accepted"],
    (OPERATOR, "dispatch", {"lead": {"department": "532622101-judicial"},
                            "assists": [{"center": VILLAGE}]}),
    (VILLAGE_OP, "sign", {"order_id": None}),
]  # fmt: skip
WALKS["planned"] = [(LEADER, "assign_leader", {"leader": "李副镇长", "plan": "现场调解"})]

#: action → (state to start from, payload; ``order_id`` None: the case's order).
TRIES: dict[str, tuple[str, dict[str, Any]]] = {
    "accept": ("reported", {}),
    "refuse": ("reported", {"reason": "不属于受理范围"}),
    "dispatch": ("accepted", {"lead": {"center": VILLAGE}}),
    "sign": ("dispatched", {"order_id": None}),
    "return": ("dispatched", {"order_id": None, "reason": "非本级职责"}),
    "approve_return": ("return_asked", {"order_id": None}),
    "reject_return": ("return_asked", {"order_id": None, "reason": "属于村级职责"}),
    "feedback": ("assist_signed", {"order_id": None, "feedback": "已配合入户走访"}),
    "start": ("signed", {"order_id": None}),
    "resolve": ("handling", {"order_id": None, "result": "已调解"}),
    "verify": ("resolved", {}),
    "rework": ("resolved", {"reason": "未处理完"}),
    "visit": ("verified", {"satisfaction": "satisfied"}),
    "close": ("visited", {}),
    "escalate": ("reported", {"reason": "需县级协调"}),
    "urge": ("accepted", {"message": "请尽快处理"}),
    "notify": ("accepted", {"reason": "逾期"}),
    "suspend": ("accepted", {"reason": "等待鉴定"}),
    "resume": ("suspended", {}),
    "extend": ("accepted", {"days": 3, "reason": "需补充材料"}),
    "assign_leader": ("reported", {"leader": "李副镇长", "plan": "现场调解"}),
    "merge": ("reported", {"into": None}),
    "reopen": ("closed", {"reason": "群众再次反映"}),
    "regrade": ("reported", {"risk": "medium", "reason": "重新评估风险"}),
    "plan_review": ("planned", {"note": "方案有效", "review_on": "2099-12-31"}),
    "supervise": ("dispatched", {"note": "请限期办理"}),
}


def test_every_workflow_action_is_tried() -> None:
    assert set(TRIES) == {t.action for t in TRANSITIONS}


def walked(db: Db, state: str) -> int:
    case = new_case(db)
    for who, action, payload in WALKS[state]:
        if "order_id" in payload:
            payload = {**payload, "order_id": order_of(db, case.id)}
        act(db, who, case.id, action, **payload)
    return case.id


def order_of(db: Db, case_id: int) -> int:
    with db.begin() as s:
        return [o.id for o in orders_of(s, case_id) if o.state not in ("cancelled", "returned")][-1]


def body(db: Db, case_id: int, action: str, version: int) -> dict[str, Any]:
    payload = dict(TRIES[action][1])
    if "order_id" in payload:
        payload["order_id"] = order_of(db, case_id)
    if "into" in payload:
        payload["into"] = new_case(db, title="同一件事").id
    return {"action": action, "payload": payload, "expected_version": version}


@pytest.mark.parametrize("action", sorted(TRIES))
def test_a_token_granted_an_action_takes_it_within_its_scope(served: Served, action: str) -> None:
    t = next(t for t in TRANSITIONS if t.action == action)
    # A case action is the owning center's (the township); an order action the addressee's.
    home = VILLAGE if t.on_order else TOWNSHIP
    granted = {"Authorization": f"Bearer {served.token('granted', home, [action])}"}
    other = {"Authorization": f"Bearer {served.token('elsewhere', OTHER_TOWNSHIP, [action])}"}
    others = [a for a in sorted(TRIES) if a != action]
    without = {"Authorization": f"Bearer {served.token('without', home, others)}"}
    case_id = walked(served.db, TRIES[action][0])
    with served.client() as c:
        version = c.get(f"/api/cases/{case_id}", headers=granted).json()["version"]
        refused = c.post(f"/api/cases/{case_id}/actions", headers=without,
                         json=body(served.db, case_id, action, version))
        assert refused.status_code == 403, refused.text
        assert f"{action!r} is not granted to this token" in refused.json()["message"]
        outside = c.post(f"/api/cases/{case_id}/actions", headers=other,
                         json=body(served.db, case_id, action, version))
        assert outside.status_code in (403, 404), outside.text
        done = c.post(f"/api/cases/{case_id}/actions", headers=granted,
                      json=body(served.db, case_id, action, version))
        assert done.status_code == 200, done.text
        assert done.json()["timeline"][-1]["action"] == action
    with served.db.begin() as s:
        last = s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                         .order_by(CaseEvent.seq.desc())).first()
        assert last is not None and (last.action, last.actor) == (action, "token:granted")


def test_a_token_granted_accept_only_cannot_dispatch(served: Served) -> None:
    accept_only = {"Authorization": f"Bearer {served.token('acceptor', TOWNSHIP, ['accept'])}"}
    case_id = walked(served.db, "reported")
    with served.client() as c:
        case = c.get(f"/api/cases/{case_id}", headers=accept_only).json()
        assert case["allowed_actions"] == ["accept"]
        case = c.post(f"/api/cases/{case_id}/actions", headers=accept_only,
                      json={"action": "accept", "payload": {}, "expected_version": case["version"]}).json()
        assert case["state"] == "accepted" and case["allowed_actions"] == []
        r = c.post(f"/api/cases/{case_id}/actions", headers=accept_only,
                   json=body(served.db, case_id, "dispatch", case["version"]))
        assert r.status_code == 403 and "'dispatch' is not granted" in r.json()["message"]
