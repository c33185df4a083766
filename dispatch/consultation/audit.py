"""Session happenings written into the case's own audit trail (``case_events``).

Each is an ordinary :class:`~dispatch.models.CaseEvent` that leaves the case's state as it is,
appended in the caller's transaction through :func:`dispatch.trail.append_event` (so the
case's event counter and version move like for any workflow action, and a concurrent writer
conflicts instead of overwriting). Payloads never carry join tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.case_alerts import queue_case
from dispatch.models import Case, CaseEvent
from dispatch.trail import append_event
from dispatch.workflow import RECORD_ONLY_ACTIONS

#: Audit actions of a session; none changes the case's workflow columns.
SESSION_ACTIONS = RECORD_ONLY_ACTIONS


def record(
    session: Session, case: Case, actor: str, action: str, payload: dict[str, Any], at: datetime
) -> CaseEvent:
    """Append one session event to ``case``'s trail in the caller's transaction."""
    if action not in SESSION_ACTIONS:
        raise ValueError(f"unknown session audit action {action!r}")
    event = append_event(session, case, action, payload, actor=actor, at=at)
    queue_case(session, case, action)
    return event
