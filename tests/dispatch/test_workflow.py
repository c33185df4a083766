"""Every action of the workflow declaration, and every guard, through the services."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dispatch.cases import get_case, orders_of, replay_matches, timeline
from dispatch.errors import ActionNotAllowed, Forbidden, InvalidInput, NotFound, RuleViolation
from dispatch.localtime import TZ
from dispatch.models import Case
from dispatch.principal import Role
from dispatch.types import CaseState
from dispatch.workflow import BY_ACTION, TRANSITIONS, allowed_actions, markdown_table
from tests.dispatch.factories import (
    ADMIN,
    COUNTY,
    COUNTY_LEADER,
    COUNTY_OP,
    JUDICIAL,
    LEADER,
    OPERATOR,
    OTHER_COUNTY,
    POLICE,
    PREFECTURE,
    SYSTEM,
    T0,
    TOWNSHIP,
    VILLAGE_OP,
    Db,
    act,
    intake,
    new_case,
    order_ids,
    principal,
    walk_to_handling,
)


def state(db: Db, case_id: int) -> str:
    with db.begin() as s:
        return s.get(Case, case_id).state  # type: ignore[union-attr]


def assert_replays(db: Db, case_id: int) -> None:
    with db.begin() as s:
        assert replay_matches(s, s.get(Case, case_id))


def test_full_path_to_closure_records_every_step(db: Db) -> None:
    case_id, order = walk_to_handling(db)
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="双方达成调解协议")
    act(db, OPERATOR, case_id, "verify", note="电话核实")
    act(db, OPERATOR, case_id, "visit", satisfaction="basically_satisfied")
    case = act(db, OPERATOR, case_id, "close", T0 + timedelta(hours=5))
    assert case.state == CaseState.CLOSED and case.closed_at == T0 + timedelta(hours=5)
    assert case.handled_level == 3 and case.satisfaction == "basically_satisfied"
    with db.begin() as s:
        steps = [(e.action, e.from_state, e.to_state) for e in timeline(s, case_id)]
    assert steps == [
        ("report", None, "reported"),
        ("accept", "reported", "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("sign", "dispatched", "signed"),
        ("start", "signed", "handling"),
        ("resolve", "handling", "resolved"),
        ("verify", "resolved", "verified"),
        ("visit", "verified", "visited"),
        ("close", "visited", "closed"),
    ]
    assert_replays(db, case_id)


def test_refuse_needs_a_reason_and_ends_the_case(db: Db) -> None:
    case = new_case(db)
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case.id, "refuse")
    assert caught.value.field == "payload.reason"
    assert act(db, OPERATOR, case.id, "refuse", reason="不属于受理范围").state == "refused"
    with db.begin() as s:
        assert allowed_actions(s, OPERATOR, s.get(Case, case.id)) == []


def test_a_disallowed_action_names_the_state_and_the_allowed_actions(db: Db) -> None:
    new_case(db, title="另一件")  # something to merge into
    case = new_case(db)
    with pytest.raises(ActionNotAllowed) as caught:
        act(db, OPERATOR, case.id, "close")
    assert caught.value.state == "reported"
    assert caught.value.allowed == ["accept", "refuse", "escalate", "merge", "regrade"]
    assert "'reported'" in str(caught.value) and "accept, refuse, escalate, merge" in str(
        caught.value
    )


def test_unknown_actions_and_payload_fields_are_named(db: Db) -> None:
    case = new_case(db)
    with pytest.raises(InvalidInput, match="unknown action 'fly'"):
        act(db, OPERATOR, case.id, "fly")
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case.id, "accept", colour="red")
    assert caught.value.field == "payload.colour"
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case.id, "accept", risk="extreme")
    assert caught.value.field == "payload.risk"


def test_roles_come_from_the_declaration(db: Db) -> None:
    case = new_case(db)
    grid_worker = principal(TOWNSHIP, Role.GRID_WORKER, actor="gw")
    with pytest.raises(Forbidden, match="accept"):
        act(db, grid_worker, case.id, "accept")
    act(db, OPERATOR, case.id, "accept")
    with pytest.raises(Forbidden):
        act(db, OPERATOR, case.id, "extend", days=2, reason="需要鉴定")  # approval is a leader's
    assert act(db, LEADER, case.id, "extend", days=2, reason="需要鉴定").extended


def test_dispatch_targets_must_lie_below_the_owning_center(db: Db) -> None:
    case = new_case(db)
    act(db, OPERATOR, case.id, "accept")
    for target, field in [
        ({"department": "nope"}, "payload.lead"),
        ({"center": "532623"}, "payload.lead"),  # another county
        ({"center": "532622101"}, "payload.lead"),  # itself, not lower
        ({"department": "532622-police"}, "payload.lead"),
    ]:  # sits above
        with pytest.raises(InvalidInput) as caught:
            act(db, OPERATOR, case.id, "dispatch", lead=target)
        assert caught.value.field == field
    case = act(
        db,
        OPERATOR,
        case.id,
        "dispatch",
        lead={"center": "532622101201"},
        assists=[{"department": "532622101-judicial"}],
    )
    assert case.state == "dispatched"
    assert set(order_ids(db, case.id)) == {"lead/pending", "assist/pending"}


def test_orders_are_acted_on_only_by_their_holder(db: Db) -> None:
    case = new_case(db)
    act(db, OPERATOR, case.id, "accept")
    act(
        db,
        OPERATOR,
        case.id,
        "dispatch",
        lead={"center": "532622101201"},
        assists=[{"department": "532622101-judicial"}],
    )
    orders = order_ids(db, case.id)
    (lead,), (assist,) = orders["lead/pending"], orders["assist/pending"]
    with pytest.raises(Forbidden):
        act(db, POLICE, case.id, "sign", order_id=assist)  # another department's liaison
    with pytest.raises(Forbidden):
        act(db, JUDICIAL, case.id, "sign", order_id=lead)  # the village's order
    assert (
        act(db, JUDICIAL, case.id, "sign", order_id=assist).state == "dispatched"
    )  # assist: unchanged
    assert act(db, VILLAGE_OP, case.id, "sign", order_id=lead).state == "signed"
    with pytest.raises(ActionNotAllowed):
        act(db, JUDICIAL, case.id, "start", order_id=assist)  # only the lead starts handling
    assert act(db, VILLAGE_OP, case.id, "start", order_id=lead).state == "handling"
    with db.begin() as s:  # the village sees the case through its order, not through its scope
        assert get_case(s, VILLAGE_OP, case.id).id == case.id
    assert (
        act(db, VILLAGE_OP, case.id, "resolve", order_id=lead, result="已处置").handled_level == 4
    )
    assert_replays(db, case.id)


def test_an_approved_return_of_the_lead_order_sends_the_case_back_for_redispatch(
    db: Db,
) -> None:
    case = new_case(db)
    act(db, OPERATOR, case.id, "accept")
    act(
        db,
        OPERATOR,
        case.id,
        "dispatch",
        lead={"department": "532622101-judicial"},
        assists=[{"center": "532622101201"}],
    )
    (lead,) = order_ids(db, case.id)["lead/pending"]
    with pytest.raises(InvalidInput) as caught:
        act(db, JUDICIAL, case.id, "return", order_id=lead)
    assert caught.value.field == "payload.reason"
    case = act(db, JUDICIAL, case.id, "return", order_id=lead, reason="不属于司法所职责")
    # The return waits for the dispatching center (tests/dispatch/test_returns_arbitration.py).
    assert case.state == "dispatched" and case.return_count == 0
    case = act(db, OPERATOR, case.id, "approve_return", order_id=lead)
    assert case.state == "accepted" and case.return_count == 1
    assert set(order_ids(db, case.id)) == {"lead/returned", "assist/cancelled"}
    with pytest.raises(ActionNotAllowed):
        act(db, JUDICIAL, case.id, "sign", order_id=lead)
    assert (
        act(db, OPERATOR, case.id, "dispatch", lead={"center": "532622101202"}).state
        == "dispatched"
    )
    assert_replays(db, case.id)


def test_rework_and_unsatisfied_visit_send_the_case_back_to_handling(db: Db) -> None:
    case_id, order = walk_to_handling(db)
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="已调解")
    with pytest.raises(InvalidInput):
        act(db, OPERATOR, case_id, "rework")
    case = act(db, OPERATOR, case_id, "rework", reason="当事人未到场")
    assert case.state == "handling" and case.rework_count == 1 and case.resolved_at is None
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="再次调解")
    act(db, OPERATOR, case_id, "verify")
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case_id, "visit", satisfaction="meh")
    assert caught.value.field == "payload.satisfaction"
    case = act(db, OPERATOR, case_id, "visit", satisfaction="unsatisfied")
    assert case.state == "handling" and case.redo_count == 1  # 重办
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="第三次")
    assert_replays(db, case_id)


def test_escalation_moves_ownership_up_and_keeps_history(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    case = act(db, OPERATOR, case_id, "escalate", reason="涉及多部门，乡镇无法解决")
    assert case.state == "accepted" and case.owning_path == COUNTY and case.escalation_count == 1
    assert {o.state for o in _orders(db, case_id)} == {"cancelled"}
    with pytest.raises(NotFound):  # the township no longer owns it
        act(db, OPERATOR, case_id, "dispatch", lead={"center": "532622101201"})
    act(db, COUNTY_OP, case_id, "dispatch", lead={"department": "532622-police"})
    case = act(db, COUNTY_OP, case_id, "escalate", reason="需州级协调")
    assert case.owning_path == PREFECTURE
    top = principal(PREFECTURE, Role.OPERATOR, actor="pref-op")
    with pytest.raises(RuleViolation, match="top level"):
        act(db, top, case_id, "escalate", reason="无处可报")
    with db.begin() as s:
        assert [
            e.payload.get("to_center") for e in timeline(s, case_id) if e.action == "escalate"
        ] == ["532622", "532600"]
    assert_replays(db, case_id)


def _orders(db: Db, case_id: int) -> list:
    with db.begin() as s:
        return orders_of(s, case_id)


def test_supervision_urges_then_notifies(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    assert act(db, LEADER, case_id, "urge", message="请加快").supervision_stage == 1
    with pytest.raises(InvalidInput):
        act(db, SYSTEM, case_id, "notify")
    assert act(db, SYSTEM, case_id, "notify", reason="超期未办").supervision_stage == 2
    with pytest.raises(Forbidden):
        act(db, OPERATOR, case_id, "urge")


def test_suspension_pauses_the_clock(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    due = act(db, LEADER, case_id, "suspend", T0 + timedelta(hours=1), reason="等待司法鉴定").due_at
    assert state(db, case_id) == "suspended"
    with pytest.raises(ActionNotAllowed):
        act(db, OPERATOR, case_id, "urge")
    case = act(db, OPERATOR, case_id, "resume", T0 + timedelta(hours=51))
    assert case.state == "handling"  # back where it was
    # 50 hours of working days paused (Tuesday 11:00 to Thursday 13:00): the deadline, the end
    # of Thursday 3 December, moves by 50 working hours, over the weekend: Tuesday 8, 02:00.
    assert due == datetime(2026, 12, 4, tzinfo=TZ)
    assert case.due_at == datetime(2026, 12, 8, 2, tzinfo=TZ) and case.paused_seconds == 50 * 3600
    assert_replays(db, case_id)


def test_extension_is_approved_and_bounded(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    with pytest.raises(InvalidInput) as caught:
        act(db, LEADER, case_id, "extend", days=400, reason="x")
    assert caught.value.field == "payload.days"
    before = act(db, LEADER, case_id, "urge").due_at
    case = act(db, LEADER, case_id, "extend", days=3, reason="需现场勘查")
    assert case.extended and case.due_at > before and case.supervision_stage == 0


def test_high_risk_cases_need_a_leader_and_a_plan(db: Db) -> None:
    case = new_case(db, risk="high", kind="gathering")
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case.id, "accept")
    assert caught.value.field == "payload.leader" and "包保" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case.id, "accept", leader="李镇长")
    assert caught.value.field == "payload.plan"
    act(db, OPERATOR, case.id, "accept", leader="李镇长", plan="一案一策：现场稳控、依法处置")
    low = new_case(db)
    act(db, OPERATOR, low.id, "accept", risk="high", leader="王书记", plan="专班跟进")
    with db.begin() as s:
        assert s.get(Case, low.id).risk == "high"  # type: ignore[union-attr]
    assert (
        act(db, LEADER, low.id, "assign_leader", leader="张县长", plan="县级包保").leader
        == "张县长"
    )


def test_merge_and_reopen(db: Db) -> None:
    first, dup = new_case(db), new_case(db, title="同一噪音纠纷")
    with pytest.raises(RuleViolation):
        act(db, OPERATOR, dup.id, "merge", into=dup.id)
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, dup.id, "merge", into=999_999)
    assert caught.value.field == "payload.into"
    merged = act(db, OPERATOR, dup.id, "merge", into=first.id)
    assert merged.state == "merged" and merged.merged_into_id == first.id
    case_id, order = walk_to_handling(db)
    act(db, JUDICIAL, case_id, "resolve", order_id=order, result="ok")
    act(db, OPERATOR, case_id, "verify")
    act(db, OPERATOR, case_id, "visit", satisfaction="satisfied")
    act(db, OPERATOR, case_id, "close")
    with pytest.raises(Forbidden):
        act(db, OPERATOR, case_id, "reopen", reason="群众再次反映")
    case = act(db, LEADER, case_id, "reopen", T0 + timedelta(days=3), reason="群众再次反映")
    assert (
        case.state == "accepted" and case.closed_at is None and case.due_at > T0 + timedelta(days=3)
    )
    assert_replays(db, case_id)


def test_reads_see_only_their_subtree(db: Db) -> None:
    case = new_case(db)
    other = principal(OTHER_COUNTY, Role.OPERATOR, actor="xichou-op")
    with db.begin() as s, pytest.raises(NotFound):
        get_case(s, other, case.id)
    with pytest.raises(NotFound):
        act(db, other, case.id, "accept")
    for who in (COUNTY_LEADER, ADMIN, OPERATOR):
        with db.begin() as s:
            assert get_case(s, who, case.id).id == case.id


def test_the_declaration_covers_every_state_and_renders_as_a_table() -> None:
    reachable = {CaseState.REPORTED}
    for t in TRANSITIONS:
        reachable |= {s for s in t.outcomes.values() if s} | (
            {t.target} if t.target in CaseState._value2member_map_ else set()
        )
    assert reachable == set(CaseState)
    table = markdown_table()
    assert all(f"`{t.action}`" in table for t in TRANSITIONS)
    assert BY_ACTION["resume"].target == "<previous>"


def test_the_documented_workflow_table_is_the_declaration() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "dispatch.md").read_text(encoding="utf-8")
    start = doc.index("<!-- workflow-table:start -->\n") + len("<!-- workflow-table:start -->\n")
    assert doc[start : doc.index("\n<!-- workflow-table:end -->")] == markdown_table()


def test_the_audit_trail_cannot_be_rewritten(db: Db) -> None:
    import sqlalchemy as sa

    case = new_case(db)
    with pytest.raises(sa.exc.InvalidRequestError, match="append-only"), db.begin() as s:
        (event,) = timeline(s, case.id)
        event.actor = "someone-else"
    with pytest.raises(sa.exc.InvalidRequestError, match="append-only"), db.begin() as s:
        s.delete(timeline(s, case.id)[0])
    with db.begin() as s:
        assert [e.actor for e in timeline(s, case.id)] == ["township-op"]


def test_narrowed_credentials_limit_actions_and_sources(db: Db) -> None:
    from dataclasses import replace

    from dispatch.cases import report_case
    from dispatch.intake import parse_intake

    hotline = replace(
        SYSTEM,
        actor="hotline-12345",
        allowed_sources=frozenset({"hotline_12345"}),
        allowed_actions=frozenset({"report", "escalate"}),
    )
    watcher = replace(hotline, actor="watch-only", allowed_actions=frozenset({"escalate"}))
    with pytest.raises(Forbidden, match="may not report"), db.begin() as s:
        report_case(
            s, watcher, parse_intake(intake(channel="hotline_12345", external_id="W-1")),
            sla=db.sla, now=T0,
        )
    with db.begin() as s:
        case, created = report_case(
            s,
            hotline,
            parse_intake(intake(channel="hotline_12345", external_id="A-1")),
            sla=db.sla,
            now=T0,
        )
        assert created
    with pytest.raises(Forbidden, match="channel 'police_push' is not granted"), db.begin() as s:
        report_case(
            s, hotline, parse_intake(intake(channel="police_push", external_id="A-2")), sla=db.sla,
            now=T0,
        )
    with pytest.raises(Forbidden):
        act(db, hotline, case.id, "urge")  # the role would allow it; the credential does not
    assert act(db, hotline, case.id, "escalate", reason="跨乡镇").owning_path == COUNTY
