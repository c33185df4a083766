"""The risk register's workflow on SQLite and PostgreSQL: re-grading with a reason, the
一案一策 plan's review date and its alert, through the service and the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dispatch.alerts import list_alerts
from dispatch.clock import SlaClock
from dispatch.duty.steps import Step
from dispatch.errors import ActionNotAllowed, Forbidden, InvalidInput, RuleViolation
from dispatch.events import InProcessBus
from dispatch.models import Alert, AlertStep, Case, CaseEvent
from dispatch.principal import Role
from dispatch.trail import replay
from dispatch.types import AlertKind
from tests.dispatch.apiclient import api_for
from tests.dispatch.factories import (
    COUNTY_LEADER,
    COUNTY_OP,
    LEADER,
    OPERATOR,
    T0,
    VILLAGE_OP,
    Db,
    act,
    new_case,
    principal,
    walk_to_handling,
)

PLAN = {"leader": "李镇长", "plan": "每周走访一次，化解在村"}
REVIEW = "2026-11-26"  # T0 is Tuesday 2026-11-24 (10:00 local)
GRID_WORKER = principal("532600/532622/532622101", Role.GRID_WORKER, actor="grid")


def _events(db: Db, case_id: int, action: str) -> list[CaseEvent]:
    with db.factory() as s:
        return list(s.scalars(sa.select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == action).order_by(CaseEvent.seq)))


def _open_alerts(db: Db, case_id: int, kind: AlertKind) -> list[Alert]:
    with db.factory() as s:
        return list(s.scalars(sa.select(Alert).where(
            Alert.case_id == case_id, Alert.kind == kind.value, Alert.open_key.is_not(None))))


def _replays(db: Db, case_id: int) -> None:
    with db.factory() as s:
        case = s.get(Case, case_id)
        events = s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                           .order_by(CaseEvent.seq))
        rebuilt = replay(events)
        assert case is not None
        for name in ("risk", "leader", "plan", "plan_review_on", "supervise_at", "supervise_note"):
            assert rebuilt[name] == getattr(case, name), name


def test_regrade_records_old_and_new_grade_and_moves_the_high_risk_alert(db: Db) -> None:
    case_id, _order = walk_to_handling(db)
    act(db, OPERATOR, case_id, "regrade", T0 + timedelta(hours=1), risk="medium",
        reason="  群众情绪激动，需重点关注  ")
    act(db, COUNTY_OP, case_id, "regrade", T0 + timedelta(hours=2), risk="high",
        reason="涉及多户，升为高风险", review_on=REVIEW, **PLAN)
    (first, second) = _events(db, case_id, "regrade")
    assert (first.payload["from_risk"], first.payload["risk"]) == ("low", "medium")
    assert first.payload["reason"] == "群众情绪激动，需重点关注"  # stripped
    assert (second.payload["from_risk"], second.payload["risk"]) == ("medium", "high")
    assert second.actor == "county-op" and second.from_state == second.to_state == "handling"
    assert len(_open_alerts(db, case_id, AlertKind.HIGH_RISK_CASE)) == 1
    act(db, LEADER, case_id, "regrade", T0 + timedelta(hours=3), risk="low", reason="已稳控")
    assert _open_alerts(db, case_id, AlertKind.HIGH_RISK_CASE) == []
    with db.factory() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.risk == "low" and case.plan == PLAN["plan"]
        assert case.plan_review_on is not None and case.plan_review_on.isoformat() == REVIEW
    _replays(db, case_id)


@pytest.mark.parametrize(
    ("payload", "error", "words"),
    [
        ({"risk": "low", "reason": "没有变化"}, InvalidInput, "already graded low"),
        ({"risk": "medium"}, InvalidInput, "payload.reason: required"),
        ({"risk": "medium", "reason": "好"}, InvalidInput, "2 to 500 characters (it has 1)"),
        ({"risk": "medium", "reason": "长" * 501}, InvalidInput, "(it has 501)"),
        ({"risk": "high", "reason": "升级"}, InvalidInput, "responsible leader (包保)"),
        ({"risk": "severe", "reason": "升级"}, InvalidInput, "payload.risk: must be one of"),
        ({"risk": "medium", "reason": "调整", "review_on": "2026-11-30"}, InvalidInput,
         "a review date needs a plan"),
        ({"risk": "medium", "reason": "调整", "review_on": "2026-11-23", **PLAN}, InvalidInput,
         "the review date 2026-11-23 has passed"),
    ],
)
def test_regrade_refusals_name_the_problem(
    db: Db, payload: dict[str, Any], error: type, words: str
) -> None:
    case = new_case(db)
    with pytest.raises(error) as caught:
        act(db, OPERATOR, case.id, "regrade", **payload)
    assert words in str(caught.value)
    assert _events(db, case.id, "regrade") == []


def test_regrade_is_refused_on_a_closed_case_and_to_those_without_the_right(db: Db) -> None:
    case = new_case(db)
    act(db, OPERATOR, case.id, "refuse", reason="不属于受理范围")
    with pytest.raises(ActionNotAllowed) as caught:
        act(db, OPERATOR, case.id, "regrade", risk="medium", reason="重新评估")
    assert "'regrade' is not allowed in state 'refused'" in str(caught.value)
    other = new_case(db)
    with pytest.raises(Forbidden, match="needs one of the roles"):
        act(db, GRID_WORKER, other.id, "regrade", risk="medium", reason="重新评估")
    act(db, OPERATOR, other.id, "accept")
    act(db, OPERATOR, other.id, "dispatch", lead={"center": "532622101201"})
    with pytest.raises(Forbidden, match="belongs to another center"):  # the village holds an order
        act(db, VILLAGE_OP, other.id, "regrade", risk="medium", reason="重新评估")


def test_a_passed_review_date_raises_one_alert_until_the_plan_is_reviewed(db: Db) -> None:
    case = new_case(db)
    act(db, OPERATOR, case.id, "accept", risk="high", review_on=REVIEW, **PLAN)
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    # 2026-11-26 is the review day itself (local): not passed yet.
    assert clock.run_once(T0 + timedelta(days=2, hours=12)).plan_reviews == 0
    late = T0 + timedelta(days=2, hours=14)  # 2026-11-27 00:00 local
    assert clock.run_once(late).plan_reviews == 1
    assert clock.run_once(late + timedelta(hours=1)).plan_reviews == 0
    (alert,) = _open_alerts(db, case.id, AlertKind.PLAN_REVIEW_OVERDUE)
    assert alert.center_path == "532600/532622/532622101"
    assert alert.params == {"number": alert.params["number"], "review_on": REVIEW, "leader": "李镇长"}
    with db.factory() as s:
        steps = s.scalars(sa.select(AlertStep).where(AlertStep.alert_id == alert.id)).all()
        seen = [a.id for a in list_alerts(s, LEADER, "532600/532622/532622101")]
        county = [a.id for a in list_alerts(s, COUNTY_LEADER, "532600/532622")]
    assert [(x.step, x.person) for x in steps] == [(Step.RAISED, None), (Step.NOTIFIED, "李镇长")]
    assert alert.id in seen and alert.id in county
    with pytest.raises(InvalidInput, match="payload.review_on: the review date 2026-11-26 has passed"):
        act(db, LEADER, case.id, "plan_review", late, note="已复核", review_on=REVIEW)
    act(db, LEADER, case.id, "plan_review", late, note="已复核，方案有效", review_on="2026-12-10")
    assert _open_alerts(db, case.id, AlertKind.PLAN_REVIEW_OVERDUE) == []
    # Once per passed date: the same date never alerts again; the next one does.
    assert clock.run_once(late + timedelta(days=3)).plan_reviews == 0
    assert clock.run_once(T0 + timedelta(days=16, hours=14)).plan_reviews == 1
    (review,) = _events(db, case.id, "plan_review")
    assert review.payload == {"note": "已复核，方案有效", "review_on": "2026-12-10",
                              "reviewed_on": REVIEW}
    _replays(db, case.id)


def test_the_review_alert_closes_with_the_case_and_with_a_new_date(db: Db) -> None:
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    late = T0 + timedelta(days=3)
    moved, _ = walk_to_handling(db)
    act(db, LEADER, moved, "assign_leader", review_on=REVIEW, **PLAN)
    refused = new_case(db)
    act(db, OPERATOR, refused.id, "accept", review_on=REVIEW, **PLAN)
    assert clock.run_once(late).plan_reviews == 2
    act(db, LEADER, moved, "assign_leader", late, leader="王书记", plan="专班", review_on="2026-12-01")
    assert _open_alerts(db, moved, AlertKind.PLAN_REVIEW_OVERDUE) == []
    act(db, OPERATOR, refused.id, "escalate", late, reason="需县级协调")
    assert len(_open_alerts(db, refused.id, AlertKind.PLAN_REVIEW_OVERDUE)) == 1
    act(db, COUNTY_OP, refused.id, "regrade", late, risk="medium", reason="调整等级")
    with db.factory() as s:
        (alert,) = s.scalars(sa.select(Alert).where(
            Alert.case_id == refused.id, Alert.kind == AlertKind.PLAN_REVIEW_OVERDUE.value,
            Alert.open_key.is_not(None))).all()
        assert alert.center_path == "532600/532622"  # it followed the escalation
    with pytest.raises(RuleViolation, match="no plan"):
        act(db, OPERATOR, new_case(db).id, "plan_review", note="复核", review_on="2026-12-01")


def test_regrade_and_plan_review_through_the_api(db: Db, tmp_path: Path) -> None:
    with api_for(db, tmp_path, {"county": COUNTY_OP}) as (api, _bus):
        doc = api.get("/api/openapi.json").json()
        actions = doc["x-actions"]
        assert actions["regrade"]["required"] == ["risk", "reason"]
        assert actions["plan_review"]["required"] == ["note", "review_on"]
        assert "regrade" in doc["components"]["schemas"]["Action"]["properties"]["action"]["enum"]
        assert "plan_review_on" in doc["components"]["schemas"]["Case"]["properties"]
        case = api.post("/api/cases", json={
            "title": "土地纠纷", "kind": "dispute", "channel": "walk_in", "center": "532622101",
        }).json()
        assert "regrade" in case["allowed_actions"]

        def post(action: str, as_: str | None = None, **payload: Any) -> Any:
            return api.post(f"/api/cases/{case['id']}/actions", as_=as_, json={
                "action": action, "payload": payload, "expected_version": case["version"]})

        r = post("regrade", risk="low", reason="不变")
        assert r.status_code == 422 and r.json()["field"] == "payload.risk"
        r = post("regrade", risk="medium")
        assert r.status_code == 422 and r.json()["field"] == "payload.reason"
        r = post("regrade", as_="county", risk="high", reason="矛盾升级", review_on="2027-01-05",
                 **PLAN)
        assert r.status_code == 200, r.text
        case = r.json()
        assert case["risk"] == "high" and case["plan_review_on"] == "2027-01-05"
        last = case["timeline"][-1]
        assert last["action"] == "regrade" and last["actor"] == "county-op"
        assert last["payload"]["from_risk"] == "low"
        assert "plan_review" in case["allowed_actions"]
