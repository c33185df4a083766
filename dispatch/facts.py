"""What a workflow action works out before it is applied: the *facts* its event records.

A fact is anything the effect needs that the caller did not say: the new deadline, the order
acted on, the parent center after an escalation. Computing them here, once, and storing them in
the event is what lets :func:`dispatch.trail.replay` rebuild a case without the SLA policy or
the center tree at hand. Side effects on dispatch orders happen here too. Each transition of
:data:`dispatch.workflow.TRANSITIONS` names its facts function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.sla import ReworkClock
from dispatch import orders as order_rules
from dispatch.alerts import clear_alert
from dispatch.errors import InvalidInput, RuleViolation
from dispatch.guards import missing_leader_or_plan
from dispatch.models import Attachment, Case, CaseEscalation, Center, DispatchOrder
from dispatch.order_alerts import clear_settled, unsigned_key
from dispatch.principal import Principal
from dispatch.sla import Sla
from dispatch.types import AlertKind, CaseState, OrderRole, OrderState


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class ActionContext:
    session: Session
    principal: Principal
    case: Case
    payload: dict[str, Any]
    sla: Sla
    now: datetime
    order: DispatchOrder | None = None


def need_leader_and_plan(ctx: ActionContext) -> None:
    p, c = ctx.payload, ctx.case
    refusal = missing_leader_or_plan(
        p.get("risk", c.risk), p.get("leader", c.leader), p.get("plan", c.plan)
    )
    if refusal is not None:
        raise refusal


def accept(ctx: ActionContext) -> dict[str, Any]:
    need_leader_and_plan(ctx)
    c = ctx.case
    due = ctx.sla.deadline(
        c.kind,
        ctx.payload.get("risk", c.risk),
        c.reported_at,
        ctx.payload.get("complexity", c.complexity),
    )
    return {"due_at": iso(due + timedelta(seconds=c.paused_seconds))}


def dispatch(ctx: ActionContext) -> dict[str, Any]:
    s, c = ctx.session, ctx.case
    lead = None
    if "lead" in ctx.payload:
        lead = order_rules.resolve_target(s, c, ctx.payload["lead"], "payload.lead")
    assists = [
        order_rules.resolve_target(s, c, t, f"payload.assists[{i}]")
        for i, t in enumerate(ctx.payload.get("assists", []))
    ]
    made = order_rules.create_orders(s, c, lead, assists, ctx.principal.actor, ctx.now)
    labels = [*([lead["label"]] if lead else []), *(a["label"] for a in assists)]
    return {
        "orders": [
            {"id": o.id, "role": o.role, "target": label}
            for o, label in zip(made, labels, strict=True)
        ]
    }


def order_facts(ctx: ActionContext) -> dict[str, Any]:
    assert ctx.order is not None
    return {"order_role": ctx.order.role}


def sign(ctx: ActionContext) -> dict[str, Any]:
    assert ctx.order is not None
    ctx.order.state, ctx.order.signed_at = OrderState.SIGNED.value, ctx.now
    ctx.order.signed_by = ctx.principal.actor
    clear_alert(ctx.session, unsigned_key(ctx.order.id), ctx.now)
    return order_facts(ctx)


def request_return(ctx: ActionContext) -> dict[str, Any]:
    """退单, asked before 签收: the order waits for the dispatching center's decision
    (``approve_return`` / ``reject_return``); the case stays where it is."""
    o = ctx.order
    assert o is not None
    o.state = OrderState.RETURN_REQUESTED.value
    o.returned_at, o.returned_reason = ctx.now, ctx.payload["reason"]
    o.return_decision = o.return_decided_at = o.return_decided_by = None
    o.return_decision_note = None
    clear_alert(ctx.session, unsigned_key(o.id), ctx.now)  # the holder has answered in time
    return {**order_facts(ctx), "requested": True}


def _awaiting_return(ctx: ActionContext) -> DispatchOrder:
    """The order named by the payload, whose return awaits this decision."""
    order_id = ctx.payload["order_id"]
    o = ctx.session.get(DispatchOrder, order_id)
    if o is None or o.case_id != ctx.case.id:
        raise InvalidInput("payload.order_id", f"order {order_id} is not an order of this case")
    if o.state != OrderState.RETURN_REQUESTED.value:
        raise RuleViolation(f"order {order_id} has no return awaiting a decision (it is {o.state})")
    return o


def _decide(ctx: ActionContext, o: DispatchOrder, decision: str, note: str | None) -> None:
    o.return_decision, o.return_decided_at = decision, ctx.now
    o.return_decided_by, o.return_decision_note = ctx.principal.actor, note


def approve_return(ctx: ActionContext) -> dict[str, Any]:
    """同意退单: the order is returned. A returned lead order takes the case's other open
    orders with it and sends the case back to 派单 (``returned``), unless the payload
    re-dispatches at once (``lead``, optional ``assists``: ``redispatched``). A returned assist
    may be replaced by new assists (``assists``); the case stays where it is (``assist``)."""
    o, p = _awaiting_return(ctx), ctx.payload
    _decide(ctx, o, "approved", p.get("note"))
    o.state = OrderState.RETURNED.value
    lead_role = o.role == OrderRole.LEAD.value
    if not lead_role and "lead" in p:
        raise InvalidInput("payload.lead", "an assist's return is replaced by assists, not a lead")
    if lead_role and p.get("assists") and "lead" not in p:
        raise InvalidInput("payload.lead", "re-dispatching a returned lead order needs a lead")
    if lead_role:
        order_rules.cancel_active(ctx.session, ctx.case.id)
        clear_settled(ctx.session, ctx.case.id, ctx.now)
    out: dict[str, Any] = {
        "order_role": o.role,
        "outcome": "returned" if lead_role else "assist",
        "returned_reason": o.returned_reason,
    }
    if "lead" in p or p.get("assists"):
        if lead_role:
            need_leader_and_plan(ctx)
        out["orders"] = dispatch(ctx)["orders"]
        if lead_role:
            out["outcome"] = "redispatched"
    return out


def reject_return(ctx: ActionContext) -> dict[str, Any]:
    """驳回退单: the order goes back to its holder, waiting for 签收 again, with the reason;
    its signing limit counts afresh from now."""
    o = _awaiting_return(ctx)
    _decide(ctx, o, "rejected", ctx.payload["reason"])
    o.state = OrderState.PENDING.value
    return {"order_role": o.role, "returned_reason": o.returned_reason}


def feedback(ctx: ActionContext) -> dict[str, Any]:
    """协办反馈: an assisting order reports its part (text and photos of the case, uploaded
    for it), on the case's clock: ``on_time`` when made by the case's deadline."""
    o, c = ctx.order, ctx.case
    assert o is not None
    photos = ctx.payload.get("photos", [])
    for i, att_id in enumerate(photos):
        att = ctx.session.get(Attachment, att_id)
        if att is None or att.case_id != c.id or att.order_id not in (None, o.id):
            raise InvalidInput(f"payload.photos[{i}]", f"attachment {att_id} is not a photo of this case")
        att.order_id = o.id
    o.state = OrderState.DONE.value
    o.feedback, o.feedback_at, o.feedback_by = ctx.payload["feedback"], ctx.now, ctx.principal.actor
    return {**order_facts(ctx), "on_time": c.due_at is None or ctx.now <= c.due_at}


def assist_parts(session: Session, case_id: int) -> list[dict[str, Any]]:
    """What each assisting order of the case reported (``reported`` False: it never did)."""
    out = []
    for o in order_rules.assist_orders(session, case_id):
        photos = session.scalars(
            sa.select(Attachment.id).where(Attachment.order_id == o.id).order_by(Attachment.id)
        ).all()
        out.append({
            "order_id": o.id,
            "reported": o.state == OrderState.DONE.value,
            "feedback": o.feedback if o.state == OrderState.DONE.value else None,
            "feedback_at": iso(o.feedback_at) if o.state == OrderState.DONE.value else None,
            "photos": list(photos),
        })  # fmt: skip
    return out


def resolve(ctx: ActionContext) -> dict[str, Any]:
    """办结 by the lead: its order is done; an assist that reported stays done, one that did
    not is closed as 未反馈 (``unreported``), never marked done. The event lists each
    assist's part (``assists``), so the resolution shows them."""
    assert ctx.order is not None
    for o in order_rules.active_orders(ctx.session, ctx.case.id):
        lead = o.role == OrderRole.LEAD.value
        o.state = OrderState.DONE.value if lead else OrderState.UNREPORTED.value
    clear_settled(ctx.session, ctx.case.id, ctx.now)
    return {
        **order_facts(ctx),
        "handled_level": order_rules.handled_level(ctx.session, ctx.order),
        "assists": assist_parts(ctx.session, ctx.case.id),
    }


def back_to_handling(ctx: ActionContext) -> dict[str, Any]:
    """返工 or 不满意: the lead works again, and so may the assists that had not reported."""
    if ctx.payload.get("satisfaction", "unsatisfied") == "unsatisfied":
        lead = order_rules.lead_order(ctx.session, ctx.case.id)
        if lead is not None and lead.state == OrderState.DONE.value:
            lead.state = OrderState.SIGNED.value
        for o in order_rules.assist_orders(ctx.session, ctx.case.id):
            if o.state == OrderState.UNREPORTED.value:
                signed = o.signed_at is not None
                o.state = OrderState.SIGNED.value if signed else OrderState.PENDING.value
    return {}


def escalate(ctx: ActionContext) -> dict[str, Any]:
    center = ctx.session.get(Center, ctx.case.center_id)
    assert center is not None and center.parent_id is not None  # guards.has_parent
    parent = ctx.session.get(Center, center.parent_id)
    assert parent is not None
    order_rules.cancel_active(ctx.session, ctx.case.id)
    clear_settled(ctx.session, ctx.case.id, ctx.now)
    # What the center sent up stays findable from it (已上报), beside the trail's line.
    ctx.session.add(CaseEscalation(case_id=ctx.case.id, from_center_id=center.id, at=ctx.now))
    return {
        "from_center": center.code,
        "to_center": parent.code,
        "to_center_id": parent.id,
        "to_path": parent.path,
    }


def rework(ctx: ActionContext) -> dict[str, Any]:
    """返工: the handler works again; by the policy's ``rework_clock`` its deadline stands or
    restarts from now (the case's class limit, counted from the 返工)."""
    if ctx.sla.policy.rework_clock != ReworkClock.RESTART:
        return {}
    c = ctx.case
    return {"due_at": iso(ctx.sla.deadline(c.kind, c.risk, ctx.now, c.complexity))}


def resume(ctx: ActionContext) -> dict[str, Any]:
    """恢复: the pause moves the deadline by the time it took on the case's own clock
    (working time for limits in working days or hours, wall time for emergencies);
    ``paused_seconds`` keeps the wall time, which handling-time figures leave out."""
    c = ctx.case
    since = c.suspended_at or ctx.now
    paused = max(0, int((ctx.now - since).total_seconds()))
    if c.due_at is None:
        return {"paused_seconds": paused, "due_at": None}
    clock = ctx.sla.rule(c.kind, c.risk, c.complexity).clock
    assert clock is not None
    due = ctx.sla.resume_deadline(clock, c.due_at, since, ctx.now)
    return {
        "paused_seconds": paused,
        "paused_clock_seconds": ctx.sla.paused_time(clock, since, ctx.now),
        "due_at": iso(due),
    }


def _above(principal: Principal, path: str) -> bool:
    """The principal sits at a center above ``path`` (not at it)."""
    return path.startswith(principal.center_path + "/")


def extend(ctx: ActionContext) -> dict[str, Any]:
    """延期, requested before the deadline by the owning center's leader; after the deadline
    it needs the next level up: the owning center's leader then only files the request
    (``requested``, the deadline unchanged and still overdue) and a leader above approves it
    by extending. A late extension is flagged (``late``: 逾期延期, counted in the KPIs)."""
    days = ctx.payload["days"]
    if days > ctx.sla.policy.max_extension_days:
        raise InvalidInput(
            "payload.days", f"at most {ctx.sla.policy.max_extension_days} working days"
        )
    c = ctx.case
    assert c.due_at is not None
    late = ctx.now > c.due_at
    if late and not _above(ctx.principal, c.owning_path):
        return {"late": True, "requested": True}
    for kind in (AlertKind.CASE_NEAR_DEADLINE, AlertKind.CASE_OVERDUE):
        clear_alert(ctx.session, f"{kind.value}:{c.id}", ctx.now)
    return {"due_at": iso(ctx.sla.extend(c.due_at, days)), "late": late}


def merge(ctx: ActionContext) -> dict[str, Any]:
    into = ctx.session.get(Case, ctx.payload["into"])
    if into is None or not ctx.principal.sees(into.owning_path):
        raise InvalidInput("payload.into", f"unknown case {ctx.payload['into']}")
    if into.id == ctx.case.id or into.state in (CaseState.MERGED, CaseState.REFUSED):
        raise RuleViolation(f"case {into.id} cannot absorb this case (it is {into.state})")
    return {"into_number": into.number}


def reopen(ctx: ActionContext) -> dict[str, Any]:
    c = ctx.case
    return {"due_at": iso(ctx.sla.deadline(c.kind, c.risk, ctx.now, c.complexity))}


def rework_facts(ctx: ActionContext) -> dict[str, Any]:
    return {**back_to_handling(ctx), **rework(ctx)}
