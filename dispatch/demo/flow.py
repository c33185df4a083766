"""The steps of one generated case after its report, timed against its deadline."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from dispatch.demo import mix
from dispatch.demo.steps import order_effects, take_step
from dispatch.demo.timeline import Trail, encode, iso
from dispatch.types import CaseKind
from dispatch.types import CaseState as S

if TYPE_CHECKING:
    from dispatch.demo.cases import CaseFactory
    from dispatch.demo.places import Place

HOUR = 3600
DAY = 86400
#: Relative share of the time before the final 办结 each step takes.
WEIGHTS = {
    "accept": 0.1, "escalate": 0.3, "dispatch": 0.2, "return": 0.8, "approve_return": 0.2,
    "sign": 0.7, "sign_assist": 0.2, "start": 0.8, "feedback": 0.6, "extend": 2.0,
    "suspend": 1.0, "resolve": 4.0, "rework": 0.5, "verify": 0.5, "visit_bad": 0.5,
}  # fmt: skip


def _lognormal(f: CaseFactory, median_hours: float, sigma: float) -> int:
    return int(f.rng.lognormvariate(math.log(median_hours), sigma) * HOUR)


def _department(f: CaseFactory, kind: CaseKind, place: Place) -> tuple[int, str]:
    depts = f.reg.departments[place.code]
    if "mediation" in depts:
        return depts["mediation"]
    keys = [k for k in mix.DEPARTMENT_KEYS[kind] if k in depts] or ["police"]
    key = keys[0] if f.rng.random() < 0.6 else f.rng.choice(keys)
    return depts[key]


def play(
    f: CaseFactory,
    trail: Trail,
    kind: CaseKind,
    received: Place,
    settle: int,
    chain: dict[int, Place],
    t0: int,
    previous: tuple[int, str] | None,
) -> None:
    rng, c = f.rng, trail.cols
    desk = f"op-{received.code}"
    r = rng.random()
    if r < mix.REFUSED:
        at = t0 + rng.randint(600, 3 * HOUR)
        trail.emit(at, desk, "refuse", S.REFUSED, {"reason": rng.choice(mix.REFUSE_REASONS)})
        return
    if r < mix.REFUSED + mix.MERGED and previous is not None:
        into, number = previous
        payload = {"into": into, "into_number": number}
        if trail.emit(t0 + rng.randint(600, 2 * HOUR), desk, "merge", S.MERGED, payload):
            c["merged_into_id"] = into
        return

    # Who owns it in the end, and who does the work (a department, or a lower center).
    ups = [chain[lvl] for lvl in range(received.level - 1, settle - 1, -1)]
    owner = ups[-1] if ups else received
    if settle > received.level:
        target = chain[settle]
        lead: tuple[str, str, int | None, int | None, str] = (
            "center",
            target.code,
            None,
            target.id,
            f"op-{target.code}",
        )
    else:
        dept_id, code = _department(f, kind, owner)
        lead = ("department", code, dept_id, None, f"liaison-{code}")
    assist = None
    if owner.level < 4 and rng.random() < mix.ASSISTED:
        dept_id, code = f.reg.departments[owner.code].get("police", (0, ""))
        if dept_id and code != lead[1]:
            assist = ("department", code, dept_id, None, f"liaison-{code}")

    due = c["due_at"]
    hours_based = (
        f.deadlines.sla.policy.deadlines[
            f.deadlines.sla.policy.complexity_for(kind, c["risk"], c["complexity"])
        ].hours
        is not None
    )
    extend_days = None
    due_final = due
    if not hours_based and rng.random() < mix.EXTENDED:
        extend_days = rng.choice((3, 5, 7, 10, 15))
        due_final = f.deadlines.extend(due, extend_days)
    pause = 0
    if not hours_based and rng.random() < mix.SUSPENDED:
        pause = rng.randint(1, 10) * DAY + rng.randrange(DAY)
    late = rng.random() < mix.LATE
    if late:
        work = due_final - t0 + _lognormal(f, 18, 0.9)
    elif extend_days:
        work = due - t0 + int((due_final - due) * rng.uniform(0.2, 0.8))
    else:
        work = int((due - t0) * (0.03 + 0.8 * rng.betavariate(1.1, 8.0)))
    work = max(work, 15 * 60)

    steps = ["accept", *(["escalate"] * len(ups)), "dispatch"]
    returned = rng.random() < mix.RETURNED
    if returned:  # asked before 签收, approved and re-dispatched by the dispatching center
        steps += ["return", "approve_return"]
    steps += ["sign", *(["sign_assist"] if assist else []), "start"]
    if assist and rng.random() < mix.ASSIST_REPORTED:
        steps.append("feedback")
    if extend_days:
        steps.append("extend")
    if pause:
        steps.append("suspend")
    if rng.random() < mix.REWORKED:
        steps += ["resolve", "rework"]
    if rng.random() < mix.UNSATISFIED:
        steps += ["resolve", "verify", "visit_bad"]
    steps.append("resolve")
    weights = [WEIGHTS[s] * rng.uniform(0.5, 1.5) for s in steps]
    scale = work / sum(weights)
    stall = t0 < f.now - 60 * DAY and rng.random() < mix.STALLED

    clock = float(t0)
    here = received
    lead_order = assist_order = 0
    shift = 0
    for step, w in zip(steps, weights, strict=True):
        clock += w * scale
        at = int(clock) + shift
        if step == "extend":
            at = max(min(at, due - HOUR), trail.last_at + 60)
        if not take_step(
            f,
            trail,
            step,
            at,
            here,
            owner,
            lead,
            assist,
            ups,
            due_final,
            extend_days,
            pause,
            settle,
        ):
            return
        if step == "escalate":
            here = ups[c["escalation_count"] - 1]
        elif step in ("dispatch", "approve_return"):
            # After a 退单 the matter is re-dispatched to its lead alone.
            again = None if c["return_count"] else assist
            lead_order, assist_order = _dispatch(trail, at, here, lead, again)
        elif step == "suspend":
            shift += pause
            resume = at + pause
            payload = {"paused_seconds": pause, "due_at": iso(c["due_at"] + pause)}
            if not trail.emit(resume, f"op-{owner.code}", "resume", S.HANDLING, payload):
                return
            c["paused_seconds"] += pause
            c["due_at"] += pause
            c["suspended_at"] = c["suspended_from"] = None
        elif step == "start" and stall:
            nudge = max(at, c["due_at"]) + rng.randint(1, 5) * DAY
            if trail.emit(nudge, "clock", "urge", c["state"], {"message": "已超期，请加快办理"}):
                c["supervision_stage"], c["supervised_at"] = 1, nudge
            trail.cut = True
            return
        order_effects(trail, step, at, lead, lead_order, assist_order)

    # After the final 办结: verification, return visit, archive.
    t_res = int(clock) + shift
    if late:
        span = _lognormal(f, 20, 0.7)
    else:
        span = int(min((c["due_at"] - t_res) * rng.uniform(0.3, 0.9), _lognormal(f, 6, 0.8)))
    span = max(span, 3)
    verify = t_res + max(1, int(span * rng.uniform(0.1, 0.3)))
    visit = verify + max(1, int(span * rng.uniform(0.2, 0.5)))
    close = max(visit + 1, t_res + span)
    if not trail.emit(verify, f"op-{owner.code}", "verify", S.VERIFIED, {}):
        return
    happy = "satisfied" if rng.random() < mix.SATISFIED_FULLY else "basically_satisfied"
    if not trail.emit(visit, f"op-{owner.code}", "visit", S.VISITED, {"satisfaction": happy}):
        return
    c["satisfaction"] = happy
    if trail.emit(close, f"op-{owner.code}", "close", S.CLOSED, {}):
        c["closed_at"] = close


def _dispatch(
    trail: Trail, at: int, here: Place, lead: tuple[Any, ...], assist: tuple[Any, ...] | None
) -> tuple[int, int]:
    desk = f"op-{here.code}"
    lead_id = trail.order(at, desk, "lead", lead[2], lead[3])
    orders = [{"id": lead_id, "role": "lead", "target": lead[1]}]
    assist_id = 0
    if assist:
        assist_id = trail.order(at, desk, "assist", assist[2], assist[3])
        orders.append({"id": assist_id, "role": "assist", "target": assist[1]})
    trail.cols["order_count"] += len(orders)
    if not trail.record:
        return lead_id, assist_id
    # The dispatch (or approve_return) event was emitted by take_step; add the orders it made.
    event = trail.events[-1]
    payload = {**json.loads(event[-1]), "lead": {lead[0]: lead[1]}}
    if assist:
        payload["assists"] = [{assist[0]: assist[1]}]
    payload["orders"] = orders
    trail.events[-1] = (*event[:-1], encode(payload))
    return lead_id, assist_id
