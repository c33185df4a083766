"""The risk register's actions: re-grading (``regrade``), the 一案一策 plan's review date
(``review_on`` on ``accept`` / ``assign_leader`` / ``regrade``, and ``plan_review``) and
督办 by a higher center (``supervise``): their facts and guards, named by the transitions of
:data:`dispatch.workflow.TRANSITIONS`. The effects on the case's columns live with the others
in :mod:`dispatch.effects`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import facts
from dispatch.case_alerts import holders
from dispatch.errors import DispatchError, InvalidInput, RuleViolation
from dispatch.facts import ActionContext, need_leader_and_plan
from dispatch.localtime import TZ
from dispatch.models import Case, Center
from dispatch.principal import Principal

#: A re-grading's reason: long enough to say something, short enough for a trail line.
REASON_MIN, REASON_MAX = 2, 500


def local_today(ctx: ActionContext) -> date:
    return ctx.now.astimezone(TZ).date()


def _not_past(ctx: ActionContext, name: str, what: str) -> None:
    value = ctx.payload.get(name)
    today = local_today(ctx)
    if value is not None and date.fromisoformat(value) < today:
        raise InvalidInput(f"payload.{name}", f"{what} {value} has passed (today is {today})")


def check_review_on(ctx: ActionContext) -> None:
    """A review date belongs to a plan and lies ahead (today at the earliest)."""
    if "review_on" not in ctx.payload:
        return
    if not ctx.payload.get("plan", ctx.case.plan):
        raise InvalidInput("payload.review_on", "a review date needs a plan (一案一策)")
    _not_past(ctx, "review_on", "the review date")


def accept(ctx: ActionContext) -> dict[str, Any]:
    """受理: the deadline as before, and a review date checked when one is given."""
    out = facts.accept(ctx)
    check_review_on(ctx)
    return out


def assign_leader(ctx: ActionContext) -> dict[str, Any]:
    check_review_on(ctx)
    return {}


def regrade(ctx: ActionContext) -> dict[str, Any]:
    """调整风险等级: a different grade, a reason of 2–500 characters, a leader and a plan
    when the new grade is high; the old grade is recorded beside the new."""
    reason = ctx.payload["reason"].strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidInput(
            "payload.reason",
            f"must be {REASON_MIN} to {REASON_MAX} characters (it has {len(reason)})",
        )
    if ctx.payload["risk"] == ctx.case.risk:
        raise InvalidInput(
            "payload.risk", f"the case is already graded {ctx.case.risk}: choose another grade"
        )
    need_leader_and_plan(ctx)
    check_review_on(ctx)
    return {"from_risk": ctx.case.risk, "reason": reason}


def plan_review(ctx: ActionContext) -> dict[str, Any]:
    """一案一策复核: the plan was reviewed; the next review date lies ahead."""
    check_review_on(ctx)
    return {"reviewed_on": ctx.case.plan_review_on.isoformat() if ctx.case.plan_review_on else None}


def supervise(ctx: ActionContext) -> dict[str, Any]:
    """督办: the issuing center's name on the case, a deadline not already passed."""
    _not_past(ctx, "deadline", "the deadline")
    name = ctx.session.scalar(
        sa.select(Center.name).where(Center.path == ctx.principal.center_path)
    )
    return {"by_center": name or ctx.principal.center_path.rsplit("/", 1)[-1]}


def has_plan(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    if case.plan:
        return None
    return RuleViolation("the case has no plan (一案一策) to review: assign a leader and plan first")


def from_above(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    """督办 comes from a center above one that holds the case: its owner or the center (or
    a department's center) an open order is addressed to."""
    mine = principal.center_path
    if any(path.startswith(mine + "/") for path in holders(session, case)):
        return None
    return RuleViolation(
        "督办 is issued by a higher center on a lower center's case: this case is held at "
        "your own center, not below it"
    )
