"""Session happenings written into the case's own audit trail (``case_events``).

Each is an ordinary :class:`~dispatch.models.CaseEvent` that leaves the case's state as it is,
appended in the caller's transaction through :func:`dispatch.effects.apply_event` (so the
case's event counter and version move like for any workflow action, and a concurrent writer
conflicts instead of overwriting). Payloads never carry join tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch import effects
from dispatch.cases import queue_case
from dispatch.errors import ConflictError
from dispatch.models import Case, CaseEvent

#: Audit actions of a session; none changes the case's workflow columns.
SESSION_ACTIONS = effects.RECORD_ONLY_ACTIONS


def record(
    session: Session, case: Case, actor: str, action: str, payload: dict[str, Any], at: datetime
) -> CaseEvent:
    """Append one session event to ``case``'s trail in the caller's transaction."""
    if action not in SESSION_ACTIONS:
        raise ValueError(f"unknown session audit action {action!r}")
    effects.apply_event(case, action, case.state, case.state, payload, at)
    event = CaseEvent(
        case_id=case.id,
        seq=case.event_count,
        at=at,
        actor=actor[:64],
        action=action,
        from_state=case.state,
        to_state=case.state,
        payload=payload,
    )
    case_id = case.id  # after a failed flush the instance may not be read any more
    session.add(event)
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(case_id) from None
    queue_case(session, case, action)
    return event
