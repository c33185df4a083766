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

from sqlalchemy.orm import Session

from dispatch import orders as order_rules
from dispatch.errors import InvalidInput, RuleViolation
from dispatch.guards import missing_leader_or_plan
from dispatch.models import Case, Center, DispatchOrder
from dispatch.principal import Principal
from dispatch.sla import Sla
from dispatch.types import CaseState, OrderRole, OrderState


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
    lead = order_rules.resolve_target(s, c, ctx.payload["lead"], "payload.lead")
    assists = [
        order_rules.resolve_target(s, c, t, f"payload.assists[{i}]")
        for i, t in enumerate(ctx.payload.get("assists", []))
    ]
    made = order_rules.create_orders(s, c, lead, assists, ctx.principal.actor, ctx.now)
    labels = [lead["label"], *(a["label"] for a in assists)]
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
    return order_facts(ctx)


def return_order(ctx: ActionContext) -> dict[str, Any]:
    o = ctx.order
    assert o is not None
    o.state, o.returned_at, o.returned_reason = (
        OrderState.RETURNED.value,
        ctx.now,
        ctx.payload["reason"],
    )
    if o.role == OrderRole.LEAD.value:  # the center re-dispatches the whole matter
        order_rules.cancel_active(ctx.session, ctx.case.id)
    return order_facts(ctx)


def resolve(ctx: ActionContext) -> dict[str, Any]:
    assert ctx.order is not None
    for o in order_rules.active_orders(ctx.session, ctx.case.id):
        o.state = OrderState.DONE.value
    return {**order_facts(ctx), "handled_level": order_rules.handled_level(ctx.session, ctx.order)}


def back_to_handling(ctx: ActionContext) -> dict[str, Any]:
    if ctx.payload.get("satisfaction", "unsatisfied") == "unsatisfied":
        lead = order_rules.lead_order(ctx.session, ctx.case.id)
        if lead is not None and lead.state == OrderState.DONE.value:
            lead.state = OrderState.SIGNED.value
    return {}


def escalate(ctx: ActionContext) -> dict[str, Any]:
    center = ctx.session.get(Center, ctx.case.center_id)
    assert center is not None and center.parent_id is not None  # guards.has_parent
    parent = ctx.session.get(Center, center.parent_id)
    assert parent is not None
    order_rules.cancel_active(ctx.session, ctx.case.id)
    return {
        "from_center": center.code,
        "to_center": parent.code,
        "to_center_id": parent.id,
        "to_path": parent.path,
    }


def resume(ctx: ActionContext) -> dict[str, Any]:
    c = ctx.case
    paused = max(0, int((ctx.now - (c.suspended_at or ctx.now)).total_seconds()))
    due = c.due_at + timedelta(seconds=paused) if c.due_at else None
    return {"paused_seconds": paused, "due_at": iso(due)}


def extend(ctx: ActionContext) -> dict[str, Any]:
    days = ctx.payload["days"]
    if days > ctx.sla.policy.max_extension_days:
        raise InvalidInput(
            "payload.days", f"at most {ctx.sla.policy.max_extension_days} working days"
        )
    assert ctx.case.due_at is not None
    return {"due_at": iso(ctx.sla.extend(ctx.case.due_at, days))}


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
