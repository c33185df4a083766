"""One step of a generated case: the event it emits, its effect on the case's columns and on
its dispatch orders (as :mod:`dispatch.effects` and :mod:`dispatch.orders` do, on the epoch
seconds the bulk writer uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dispatch.demo import mix
from dispatch.demo.timeline import ORDER_FIELDS, Trail, iso
from dispatch.types import CaseState as S

if TYPE_CHECKING:
    from dispatch.demo.cases import CaseFactory
    from dispatch.demo.places import Place


def order_effects(
    trail: Trail, step: str, at: int, lead: tuple[Any, ...], lead_order: int, assist_order: int
) -> None:
    """What each step does to the dispatch orders (as :mod:`dispatch.facts` does); the order a
    step acts on is written by :func:`take_step` (signed by its holder, returned with the
    reason of the 退单)."""
    if step == "sign":
        trail.set_order(lead_order, state="signed", signed_at=at, signed_by=lead[4])
    elif step == "resolve":
        trail.resolve_orders()
    elif step in ("rework", "visit_bad"):
        trail.set_order(lead_order, state="signed")


def take_step(
    f: CaseFactory,
    trail: Trail,
    step: str,
    at: int,
    here: Place,
    owner: Place,
    lead: tuple[Any, ...],
    assist: tuple[Any, ...] | None,
    ups: list[Place],
    due_final: int,
    extend_days: int | None,
    pause: int,
    settle: int,
) -> bool:
    """Emit ``step``'s event at ``at`` and update the case's columns; False when the event
    falls after ``now`` (the trail stops there)."""
    c, rng = trail.cols, f.rng
    desk = f"op-{here.code}"
    state = c["state"]
    if step == "accept":
        return trail.accept(at, desk, c["due_at"])
    if step == "escalate":
        to = ups[c["escalation_count"]]
        return trail.escalate(at, desk, (here.code, here.id), (to.code, to.id, to.path))
    if step == "dispatch":
        return trail.emit(at, desk, "dispatch", S.DISPATCHED, {})
    lead_id = next((o[0] for o in reversed(trail.orders) if o[4] == "lead"), 0)
    if step == "return":  # asked before 签收; the case waits for the dispatching center
        reason = rng.choice(mix.RETURN_REASONS)
        ok = trail.emit(
            at, lead[4], "return", state,
            {"order_id": lead_id, "reason": reason, "order_role": "lead", "requested": True},
        )  # fmt: skip
        if ok:
            trail.set_order(lead_id, state="return_asked", returned_at=at, returned_reason=reason)
        return ok
    if step == "approve_return":  # approved and re-dispatched at once (flow adds the orders)
        asked = next(o for o in trail.orders if o[0] == lead_id)
        payload = {"order_id": lead_id, "order_role": "lead", "outcome": "redispatched",
                   "returned_reason": asked[ORDER_FIELDS["returned_reason"]]}  # fmt: skip
        if not trail.emit(at, desk, "approve_return", S.DISPATCHED, payload):
            return False
        c["return_count"] += 1
        trail.set_order(lead_id, state="returned", return_decision="approved",
                        return_decided_at=at, return_decided_by=desk)  # fmt: skip
        trail.finish_active("cancelled")  # the returned lead takes the other open orders along
        return True
    if step == "feedback":  # the assist reports its part
        part = next((o for o in trail.orders if o[4] == "assist" and o[5] == "signed"), None)
        if part is None or assist is None:
            return True
        payload = {"order_id": part[0], "feedback": rng.choice(mix.ASSIST_FEEDBACK),
                   "order_role": "assist", "on_time": at <= c["due_at"]}  # fmt: skip
        if trail.emit(at, assist[4], "feedback", state, payload):
            trail.set_order(part[0], state="done", feedback=payload["feedback"], feedback_at=at,
                            feedback_by=assist[4])  # fmt: skip
            return True
        return False
    if step == "sign":
        return trail.emit(
            at, lead[4], "sign", S.SIGNED, {"order_id": lead_id, "order_role": "lead"}
        )
    if step == "sign_assist":
        assist_id = next(
            (o[0] for o in reversed(trail.orders) if o[4] == "assist" and o[5] == "pending"), 0
        )
        if not assist_id:
            return True
        assert assist is not None
        if trail.emit(
            at, assist[4], "sign", state, {"order_id": assist_id, "order_role": "assist"}
        ):
            trail.set_order(assist_id, state="signed", signed_at=at, signed_by=assist[4])
            return True
        return False
    if step == "start":
        return trail.emit(
            at, lead[4], "start", S.HANDLING, {"order_id": lead_id, "order_role": "lead"}
        )
    if step == "extend":
        payload = {
            "days": extend_days,
            "reason": "情况复杂，申请延期办理",
            "due_at": iso(due_final + c["paused_seconds"]),
        }
        if trail.emit(at, f"leader-{owner.code}", "extend", state, payload):
            c["due_at"] = due_final + c["paused_seconds"]
            c["extended"] = True
            c["extension_count"] += 1
            c["supervision_stage"] = 0
            return True
        return False
    if step == "suspend":
        if trail.emit(
            at,
            f"leader-{owner.code}",
            "suspend",
            S.SUSPENDED,
            {"reason": "当事人外出务工，暂缓办理"},
        ):
            c["suspended_at"], c["suspended_from"] = at, state
            return True
        return False
    if step == "resolve":
        payload = {
            "order_id": lead_id,
            "result": "已调处化解，双方达成一致",
            "order_role": "lead",
            "handled_level": settle,
        }
        if trail.emit(at, lead[4], "resolve", S.RESOLVED, payload):
            c["resolved_at"], c["handled_level"] = at, settle
            return True
        return False
    if step == "rework":
        if trail.emit(
            at, f"op-{owner.code}", "rework", S.HANDLING, {"reason": "核查未通过，返工重办"}
        ):
            c["rework_count"] += 1
            c["resolved_at"] = None
            return True
        return False
    if step == "verify":
        return trail.emit(at, f"op-{owner.code}", "verify", S.VERIFIED, {})
    if step == "visit_bad":
        if trail.emit(at, f"op-{owner.code}", "visit", S.HANDLING, {"satisfaction": "unsatisfied"}):
            c["satisfaction"] = "unsatisfied"
            c["redo_count"] += 1
            c["resolved_at"] = None
            return True
        return False
    raise AssertionError(step)
