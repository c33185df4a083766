"""退单 with arbitration: a holder asks before 签收 with a reason, the dispatching center
approves (and re-dispatches, possibly elsewhere) or rejects (the order goes back with the
reason); every step on the trail and in the KPIs (退单率); an order not signed within the
policy's limit (working hours) raises an alert, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from config.sla import SlaPolicy
from dashboard.alerts.text import alert_text
from dispatch.cases import orders_of, perform, replay_matches, timeline
from dispatch.clock import SlaClock
from dispatch.desk.inbox import Tab, inbox_counts, inbox_page
from dispatch.errors import ActionNotAllowed, Forbidden, InvalidInput
from dispatch.events import InProcessBus
from dispatch.kpi import compute_kpis
from dispatch.models import Alert, Case, DispatchOrder
from dispatch.rollup import kpi_daily, rebuild_rollups
from dispatch.sla import Sla
from dispatch.workflow import allowed_actions
from tests.dispatch.factories import (
    COUNTY,
    JUDICIAL,
    OPERATOR,
    T0,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_OP,
    Db,
    act,
    deployment,
    new_case,
    order_ids,
)

H = timedelta(hours=1)
VILLAGE_CODE = VILLAGE.rsplit("/", 1)[-1]
JUDICIAL_DEPT = {"department": "532622101-judicial"}


def dispatched_to_village(db: Db, at: datetime = T0, **assists: Any) -> tuple[int, int]:
    """A walk-in case at the township dispatched to its village: (case id, lead order)."""
    case = new_case(db, at=at, channel="walk_in")
    act(db, OPERATOR, case.id, "accept", at)
    act(db, OPERATOR, case.id, "dispatch", at, lead={"center": VILLAGE_CODE}, **assists)
    (lead,) = order_ids(db, case.id)["lead/pending"]
    return case.id, lead


def offered(db: Db, case_id: int, who: Any) -> set[str]:
    with db.begin() as s:
        return set(allowed_actions(s, who, s.get(Case, case_id)))


def order(db: Db, order_id: int) -> DispatchOrder:
    with db.begin() as s:
        o = s.get(DispatchOrder, order_id)
        assert o is not None
        s.expunge(o)
        return o


def replays(db: Db, case_id: int) -> bool:
    with db.begin() as s:
        return replay_matches(s, s.get(Case, case_id))


def test_a_return_waits_for_the_dispatching_center(db: Db) -> None:
    case_id, lead = dispatched_to_village(db)
    with pytest.raises(InvalidInput) as caught:
        act(db, VILLAGE_OP, case_id, "return", order_id=lead)
    assert caught.value.field == "payload.reason"
    case = act(db, VILLAGE_OP, case_id, "return", T0 + H, order_id=lead, reason="不属于本村职责")
    # Not sent back at once: the case stays dispatched, the order awaits the decision.
    assert case.state == "dispatched" and case.return_count == 0
    o = order(db, lead)
    assert o.state == "return_asked" and o.returned_reason == "不属于本村职责"
    assert o.returned_at == T0 + H
    # The holder cannot decide its own return; the dispatching center can, and only it.
    assert not {"approve_return", "reject_return", "sign", "return"} & offered(db, case_id, VILLAGE_OP)
    assert {"approve_return", "reject_return"} <= offered(db, case_id, OPERATOR)
    with pytest.raises(Forbidden):
        act(db, VILLAGE_OP, case_id, "approve_return", order_id=lead)
    with db.begin() as s:
        last = timeline(s, case_id)[-1]
        assert (last.action, last.actor, last.to_state) == ("return", "village-op", "dispatched")
        assert last.payload["reason"] == "不属于本村职责" and last.payload["requested"] is True
    assert replays(db, case_id)


def test_only_before_signing(db: Db) -> None:
    case_id, lead = dispatched_to_village(db)
    act(db, VILLAGE_OP, case_id, "sign", order_id=lead)
    assert "return" not in offered(db, case_id, VILLAGE_OP)
    with pytest.raises(ActionNotAllowed):
        act(db, VILLAGE_OP, case_id, "return", order_id=lead, reason="签收后才发现不属于本村")
    act(db, VILLAGE_OP, case_id, "start", order_id=lead)
    with pytest.raises(ActionNotAllowed):
        act(db, VILLAGE_OP, case_id, "return", order_id=lead, reason="处置中退单")
    assert order(db, lead).state == "signed"


def test_approval_redispatches_to_another_unit(db: Db) -> None:
    case_id, lead = dispatched_to_village(db, assists=[{"center": "532622101202"}])
    (assist,) = order_ids(db, case_id)["assist/pending"]
    act(db, VILLAGE_OP, case_id, "return", T0 + H, order_id=lead, reason="涉及司法调解")
    case = act(db, OPERATOR, case_id, "approve_return", T0 + 2 * H, order_id=lead,
               lead=JUDICIAL_DEPT, note="改派司法所")  # fmt: skip
    assert case.state == "dispatched" and case.return_count == 1
    assert case.order_count == 3  # two dispatched first, one at the approval
    o = order(db, lead)
    assert (o.state, o.return_decision, o.return_decided_by) == ("returned", "approved", "township-op")
    assert o.return_decision_note == "改派司法所" and o.return_decided_at == T0 + 2 * H
    assert order(db, assist).state == "cancelled"  # the returned lead took its assists along
    (new_lead,) = order_ids(db, case_id)["lead/pending"]
    # The new holder signs and works it as usual.
    act(db, JUDICIAL, case_id, "sign", T0 + 3 * H, order_id=new_lead)
    with db.begin() as s:
        last = [e for e in timeline(s, case_id) if e.action == "approve_return"][-1]
        assert last.payload["outcome"] == "redispatched"
        assert [x["id"] for x in last.payload["orders"]] == [new_lead]
        assert last.payload["returned_reason"] == "涉及司法调解"
    assert replays(db, case_id)


def test_approval_without_redispatch_waits_in_the_returned_tab(db: Db) -> None:
    case_id, lead = dispatched_to_village(db)
    act(db, VILLAGE_OP, case_id, "return", order_id=lead, reason="不属于本村职责")
    with db.begin() as s:
        assert inbox_counts(s, OPERATOR)[Tab.RETURN_REVIEW] == 1
        (item,) = inbox_page(s, OPERATOR, Tab.RETURN_REVIEW, now=T0).items
        assert (item.case_id, item.order_id, item.order_role) == (case_id, lead, "lead")
        assert item.return_reason == "不属于本村职责"
        assert inbox_counts(s, VILLAGE_OP)[Tab.TO_SIGN] == 0
    with pytest.raises(InvalidInput) as caught:  # a lead is needed to re-dispatch with assists
        act(db, OPERATOR, case_id, "approve_return", order_id=lead,
            assists=[{"center": "532622101202"}])  # fmt: skip
    assert caught.value.field == "payload.lead"
    case = act(db, OPERATOR, case_id, "approve_return", order_id=lead)
    assert case.state == "accepted" and case.return_count == 1
    with db.begin() as s:
        counts = inbox_counts(s, OPERATOR)
        assert counts[Tab.RETURN_REVIEW] == 0 and counts[Tab.RETURNED] == 1
    case = act(db, OPERATOR, case_id, "dispatch", lead=JUDICIAL_DEPT)
    assert case.state == "dispatched" and replays(db, case_id)


def test_rejection_sends_the_order_back_with_the_reason(db: Db) -> None:
    case_id, lead = dispatched_to_village(db)
    act(db, VILLAGE_OP, case_id, "return", T0 + H, order_id=lead, reason="人手不足")
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case_id, "reject_return", order_id=lead)
    assert caught.value.field == "payload.reason"
    case = act(db, OPERATOR, case_id, "reject_return", T0 + 2 * H, order_id=lead,
               reason="属于村级调解范围，请签收办理")  # fmt: skip
    assert case.state == "dispatched" and case.return_count == 0
    assert case.return_rejected_count == 1
    o = order(db, lead)
    assert (o.state, o.return_decision) == ("pending", "rejected")
    assert o.return_decision_note == "属于村级调解范围，请签收办理"
    with db.begin() as s:
        (item,) = inbox_page(s, VILLAGE_OP, Tab.TO_SIGN, now=T0 + 2 * H).items
        assert item.return_decision_note == "属于村级调解范围，请签收办理"
    # No second decision on the same request.
    with pytest.raises(Exception) as twice:
        act(db, OPERATOR, case_id, "reject_return", order_id=lead, reason="再次驳回")
    assert "no order of this case has a return" in str(twice.value)
    case = act(db, VILLAGE_OP, case_id, "sign", T0 + 3 * H, order_id=lead)
    assert case.state == "signed" and replays(db, case_id)


def test_an_assist_return_is_decided_alone(db: Db) -> None:
    case_id, lead = dispatched_to_village(db, assists=[JUDICIAL_DEPT])
    (assist,) = order_ids(db, case_id)["assist/pending"]
    act(db, VILLAGE_OP, case_id, "sign", order_id=lead)
    act(db, JUDICIAL, case_id, "return", order_id=assist, reason="无需司法所协办")
    with pytest.raises(InvalidInput) as caught:
        act(db, OPERATOR, case_id, "approve_return", order_id=assist, lead={"center": VILLAGE_CODE})
    assert caught.value.field == "payload.lead"
    case = act(db, OPERATOR, case_id, "approve_return", order_id=assist,
               assists=[{"center": "532622101202"}])  # fmt: skip
    assert case.state == "signed" and case.return_count == 1 and case.order_count == 3
    ids = order_ids(db, case_id)
    assert ids["lead/signed"] == [lead] and ids["assist/returned"] == [assist]
    assert len(ids["assist/pending"]) == 1
    assert replays(db, case_id)


def _counts(db: Db) -> dict[tuple[Any, ...], tuple[int, ...]]:
    with db.begin() as s:
        rows = s.execute(sa.select(kpi_daily)).all()
    return {tuple(r[:3]): tuple(int(v) for v in r[3:]) for r in rows if any(r[3:])}


def test_returns_in_the_kpis(db: Db) -> None:
    with db.begin() as s:
        rebuild_rollups(s)  # the listener keeps the table from here
    # One return rejected, then another approved with a re-dispatch, then closed.
    case_id, lead = dispatched_to_village(db)
    act(db, VILLAGE_OP, case_id, "return", T0 + H, order_id=lead, reason="人手不足")
    act(db, OPERATOR, case_id, "reject_return", T0 + H, order_id=lead, reason="请签收")
    act(db, VILLAGE_OP, case_id, "return", T0 + 2 * H, order_id=lead, reason="确需司法所")
    act(db, OPERATOR, case_id, "approve_return", T0 + 2 * H, order_id=lead, lead=JUDICIAL_DEPT)
    (new_lead,) = order_ids(db, case_id)["lead/pending"]
    for action, payload in (("sign", {}), ("start", {}), ("resolve", {"result": "已调解"})):
        act(db, JUDICIAL, case_id, action, T0 + 3 * H, order_id=new_lead, **payload)
    act(db, OPERATOR, case_id, "verify", T0 + 4 * H)
    act(db, OPERATOR, case_id, "visit", T0 + 4 * H, satisfaction="satisfied")
    act(db, OPERATOR, case_id, "close", T0 + 5 * H)
    # Another closed case without any return.
    other, other_lead = dispatched_to_village(db)
    for action, payload in (("sign", {}), ("start", {}), ("resolve", {"result": "已处理"})):
        act(db, VILLAGE_OP, other, action, T0 + 3 * H, order_id=other_lead, **payload)
    for action, payload in (("verify", {}), ("visit", {"satisfaction": "satisfied"}), ("close", {})):
        act(db, OPERATOR, other, action, T0 + 5 * H, **payload)
    now = T0 + timedelta(days=1)
    with db.factory() as s:
        for scope in (COUNTY, TOWNSHIP):
            k = compute_kpis(s, scope, T0 - timedelta(days=1), now, now=now)
            assert (k["orders"], k["returns"], k["returns_rejected"]) == (3, 1, 1)
            assert k["return_rate"] == pytest.approx(1 / 3)
            assert k["return_rejection_rate"] == pytest.approx(1 / 2)
            assert "退单率" in k["definitions"]["return_rate"]
    kept = _counts(db)
    with db.begin() as s:
        rebuild_rollups(s)
    assert _counts(db) == kept  # the listener's counters equal a rebuild from the cases
    assert replays(db, case_id) and replays(db, other)


def _policy_with_working_hours() -> Sla:
    dep = deployment()
    policy = SlaPolicy.model_validate(
        {**dep.sla.model_dump(), "working_hours": ["08:30-12:00", "14:30-18:00"],
         "signing": {"hours": 2, "clock": "working_hours"}}
    )  # fmt: skip
    return Sla.build(policy, dep.holidays)


def _open_unsigned(db: Db) -> list[Alert]:
    with db.begin() as s:
        alerts = list(s.scalars(sa.select(Alert).where(
            Alert.kind == "order_unsigned", Alert.open_key.is_not(None))))  # fmt: skip
        for a in alerts:
            s.expunge(a)
        return alerts


def test_an_order_not_signed_in_working_hours_raises_an_alert(db: Db) -> None:
    # Friday 27 November 2026, 17:30 in Asia/Shanghai: half an hour of the day is left, the
    # rest of the two working hours runs on Monday from 08:30, due at 10:00.
    friday = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    monday_10 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    sla = _policy_with_working_hours()
    db.sla = sla
    case_id, lead = dispatched_to_village(db, at=friday)
    clock = SlaClock(db.factory, InProcessBus(), sla)
    # Saturday on the wall clock is long past two hours, but not in working hours.
    assert clock.run_once(friday + timedelta(hours=20)).unsigned == 0
    assert clock.run_once(monday_10 - timedelta(minutes=1)).unsigned == 0
    assert _open_unsigned(db) == []
    assert clock.run_once(monday_10 + timedelta(minutes=1)).unsigned == 1
    (alert,) = _open_unsigned(db)
    assert alert.center_path == VILLAGE and alert.case_id == case_id
    assert alert.params["order_id"] == lead
    assert alert.params["deadline"] == monday_10.isoformat()
    # Pages word it in the viewer's language, the deadline in local time (not ISO).
    with db.begin() as s:
        number = s.get(Case, case_id).number  # type: ignore[union-attr]
    village = alert.params["target"]
    assert village and alert.case_id == case_id
    assert alert_text(alert.kind, alert.params, alert.message, "zh-CN") == (
        f"{number} · {village} 未在 2026-11-30 10:00 前签收")
    assert alert_text(alert.kind, alert.params, alert.message, "en") == (
        f"{number} · {village} not signed by 2026-11-30 10:00")
    assert clock.run_once(monday_10 + 2 * H).unsigned == 0  # raised once
    with db.begin() as s:
        perform(s, VILLAGE_OP, case_id, "sign", {"order_id": lead}, sla=sla, now=monday_10 + 2 * H)
    assert _open_unsigned(db) == []  # signing clears it


def test_a_rejected_return_restarts_the_signing_limit(db: Db) -> None:
    sla = _policy_with_working_hours()
    db.sla = sla
    tuesday_9 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 local
    case_id, lead = dispatched_to_village(db, at=tuesday_9)
    act(db, VILLAGE_OP, case_id, "return", tuesday_9 + H, order_id=lead, reason="人手不足")
    clock = SlaClock(db.factory, InProcessBus(), sla)
    assert clock.run_once(tuesday_9 + 3 * H).unsigned == 0  # waiting for the center, not late
    act(db, OPERATOR, case_id, "reject_return", tuesday_9 + 5 * H + 30 * timedelta(minutes=1),
        order_id=lead, reason="请签收")  # 14:30 local  # fmt: skip
    assert clock.run_once(tuesday_9 + 7 * H).unsigned == 0  # 16:00: 1.5 h of the new limit
    assert clock.run_once(tuesday_9 + 7 * H + 31 * timedelta(minutes=1)).unsigned == 1


def test_the_signing_limit_is_configurable() -> None:
    with pytest.raises(ValueError, match="clock 'wall' or 'working_hours'"):
        SlaPolicy.model_validate({"signing": {"hours": 2, "clock": "working_days"}})
    wall = SlaPolicy.model_validate({"signing": {"hours": 1, "clock": "wall"}})
    from dispatch.desk.signing import sign_deadline

    sunday = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    assert sign_deadline(wall, sunday, "dispute", "low", None, None) == sunday + H
    worked = SlaPolicy.model_validate({"signing": {"hours": 1, "clock": "working_hours"}})
    # Without declared working hours a working day counts whole: Monday 01:00 local.
    monday_1 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert sign_deadline(worked, sunday, "dispute", "low", None, None) == monday_1


def test_orders_of_a_case_carry_the_decision(db: Db) -> None:
    case_id, lead = dispatched_to_village(db)
    act(db, VILLAGE_OP, case_id, "return", order_id=lead, reason="不属于本村职责")
    act(db, OPERATOR, case_id, "reject_return", order_id=lead, reason="请签收")
    with db.begin() as s:
        (o,) = orders_of(s, case_id)
        assert (o.return_decision, o.return_decision_note) == ("rejected", "请签收")


def test_the_signing_alert_ends_with_its_order(db: Db) -> None:
    """Escalating the case cancels the order: its 签收超时 alert closes at once, not at the
    clock's next tick."""
    case_id, lead = dispatched_to_village(db)
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    assert clock.run_once(T0 + 3 * H).unsigned == 1
    assert [a.params["order_id"] for a in _open_unsigned(db)] == [lead]
    act(db, OPERATOR, case_id, "escalate", T0 + 4 * H, reason="涉及多个乡镇")
    assert _open_unsigned(db) == []
    with db.begin() as s:
        (alert,) = s.scalars(sa.select(Alert).where(Alert.kind == "order_unsigned"))
        assert alert.cleared_at == T0 + 4 * H
