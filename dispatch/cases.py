"""Case services: act on a case and read it. They take a Session and a Principal; the caller
owns the transaction. Every change appends a :class:`~dispatch.models.CaseEvent` in the same
transaction (:func:`dispatch.trail.append_event`) and queues a ``case`` message published after
commit. Reporting (creating) a case lives in :mod:`dispatch.report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.case_alerts import after_change, queue_case
from dispatch.errors import ActionNotAllowed, ConflictError, Hidden, InvalidInput, NotFound
from dispatch.facts import ActionContext
from dispatch.models import Case, DispatchOrder
from dispatch.payloads import validate_payload
from dispatch.permissions import can_see, follows, refusal
from dispatch.principal import Principal
from dispatch.queries import (
    CasePage,
    list_cases,
    orders_of,
    replay_case,
    replay_matches,
    timeline,
)
from dispatch.report import case_number, report_case
from dispatch.sla import Sla
from dispatch.trail import append_event
from dispatch.types import CaseState
from dispatch.workflow import BY_ACTION, allowed_actions


def get_case(
    session: Session, principal: Principal, case_id: int, *, follower: bool = False
) -> Case:
    """The case as ``principal`` may see it. ``follower``: also a case it follows outside its
    scope (its own report, or one its center sent up: :func:`~dispatch.permissions.follows`);
    the caller then shows it read-only (:func:`can_see` still says no)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if not can_see(session, principal, case) and not (
        follower and follows(session, principal, case)
    ):
        # Answered as 404 so that existence does not leak; the refusal is still audited.
        raise Hidden("case", case_id, case.owning_path)
    return case


def perform(
    session: Session,
    principal: Principal,
    case_id: int,
    action: str,
    payload: Mapping[str, Any] | None = None,
    *,
    sla: Sla,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Take ``action`` on a case, as declared in :data:`dispatch.workflow.TRANSITIONS`.

    Raises NotFound, ActionNotAllowed (state and allowed actions named), Forbidden,
    InvalidInput (field named), RuleViolation or ConflictError (someone acted first). What it
    accepts is what :func:`dispatch.workflow.allowed_actions` lists: both ask
    :func:`dispatch.permissions.refusal`.
    """
    now = now or datetime.now(UTC)
    transition = BY_ACTION.get(action)
    if transition is None:
        raise InvalidInput(
            "action", f"unknown action {action!r}; known: {', '.join(sorted(BY_ACTION))}"
        )
    case = get_case(session, principal, case_id)
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(
            case_id, f"you saw version {expected_version}, it is now {case.version}"
        )
    raw = payload or {}
    order_id = raw.get("order_id") if isinstance(raw, Mapping) else None
    error = refusal(
        session, principal, case, transition, order_id if type(order_id) is int else None
    )
    if isinstance(error, ActionNotAllowed):
        raise ActionNotAllowed(error.action, error.state, allowed_actions(session, principal, case))
    if error is not None:
        raise error
    clean = validate_payload(transition, raw)
    ctx = ActionContext(session, principal, case, clean, sla, now)
    if transition.on_order:
        ctx.order = session.get(DispatchOrder, clean["order_id"])
    record = {**clean, **transition.facts(ctx)}
    branch = record.get(transition.branch_on) if transition.branch_on else None
    to_state = transition.next_state(CaseState(case.state), branch, case.suspended_from)
    append_event(session, case, action, record, actor=principal.actor, at=now, to_state=to_state)
    after_change(session, case, transition, now)
    return case


# Reads live in dispatch.queries, reporting in dispatch.report; they are part of this module's
# public face as well.
__all__ = [
    "CasePage",
    "allowed_actions",
    "can_see",
    "case_number",
    "get_case",
    "list_cases",
    "orders_of",
    "perform",
    "queue_case",
    "replay_case",
    "replay_matches",
    "report_case",
    "timeline",
]
