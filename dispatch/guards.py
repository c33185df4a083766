"""Conditions on a case without which no payload could make an action succeed.

A guard looks at the case and the database only, never at the payload: it is asked both when
the service applies an action and when a page lists the actions it may offer
(:func:`dispatch.workflow.allowed_actions`), so a button is shown only where some valid payload
exists. Checks of the payload's own values (which order, which target, which case to merge
into) stay with the facts of :mod:`dispatch.facts`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import DispatchError, InvalidInput, RuleViolation
from dispatch.models import Case, Center, Department, DispatchOrder
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.types import CaseState, OrderState, Risk


def missing_leader_or_plan(risk: str, leader: str | None, plan: str | None) -> InvalidInput | None:
    """A high-risk case moves on only with a responsible leader (包保) and a plan (一案一策)."""
    if risk == Risk.HIGH and not (leader and plan):
        missing = "payload.leader" if not leader else "payload.plan"
        return InvalidInput(
            missing, "a high-risk case needs a responsible leader (包保) and a plan (一案一策)"
        )
    return None


def leader_and_plan(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    return missing_leader_or_plan(case.risk, case.leader, case.plan)


def dispatchable(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    """A leader and plan when high-risk, and somewhere to send the work: a department stationed
    in the owning center's subtree or a center below it."""
    refusal = leader_and_plan(session, principal, case)
    if refusal is not None:
        return refusal
    below = sa.select(Center.id).where(Center.path.like(case.owning_path + "/%"))
    department = (
        sa.select(Department.id)
        .join(Center, Department.center_id == Center.id)
        .where(subtree_filter(Center.path, case.owning_path))
    )
    if session.scalar(sa.select(sa.or_(below.exists(), department.exists()))):
        return None
    return RuleViolation("no department or lower center to dispatch to from the owning center")


def has_parent(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    center = session.get(Center, case.center_id)
    if center is None or center.parent_id is None:
        code = center.code if center else case.center_id
        return RuleViolation(f"center {code} is at the top level: there is no parent to escalate to")
    return None


def merge_target_exists(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    """Another case the principal sees that can absorb this one."""
    other = sa.select(Case.id).where(
        Case.id != case.id,
        Case.state.not_in((CaseState.MERGED.value, CaseState.REFUSED.value)),
        subtree_filter(Case.owning_path, principal.center_path),
    )
    if session.scalar(sa.select(other.exists())):
        return None
    return RuleViolation("there is no other case within your center to merge into")


def return_awaits(session: Session, principal: Principal, case: Case) -> DispatchError | None:
    """An order of the case whose return (退单) awaits the dispatching center's decision."""
    waiting = sa.select(DispatchOrder.id).where(
        DispatchOrder.case_id == case.id,
        DispatchOrder.state == OrderState.RETURN_REQUESTED.value,
    )
    if session.scalar(sa.select(waiting.exists())):
        return None
    return RuleViolation("no order of this case has a return (退单) awaiting a decision")
