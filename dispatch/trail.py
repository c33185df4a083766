"""The append-only audit trail of a case (``case_events``): one function writes it.

:func:`append_event` applies an action's effect to the case and appends its event in the
caller's transaction, for workflow actions, the report that creates a case and the record-only
lines of video sessions alike. The case's ``version`` column and the unique ``(case_id, seq)``
of its events both catch a concurrent writer: either way the loser gets :class:`ConflictError`,
recognised by the constraint's name, never by the wording of the database's message.
:func:`replay` rebuilds a case's workflow columns from its events with the same effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch.db import violated_constraint
from dispatch.effects import REPLAYED_FIELDS
from dispatch.errors import ConflictError
from dispatch.models import Case, CaseEvent
from dispatch.types import CaseState
from dispatch.workflow import effect_of

#: Unique constraints whose violation means "someone appended to this trail first".
TRAIL_CONSTRAINTS = frozenset({"uq_case_events_case_id_seq"})


def apply_event(
    case: Any,
    action: str,
    from_state: str | None,
    to_state: str,
    payload: Mapping[str, Any],
    at: datetime,
) -> None:
    """Apply an event to a case (or a stand-in being replayed): effect, state, counter."""
    effect_of(action)(case, payload, at, from_state)
    case.state = CaseState(to_state).value
    case.event_count = (case.event_count or 0) + 1


def append_event(
    session: Session,
    case: Case,
    action: str,
    payload: dict[str, Any],
    *,
    actor: str,
    at: datetime,
    to_state: str | None = None,
) -> CaseEvent:
    """Apply ``action`` to ``case`` and append its event; flushes.

    ``to_state`` defaults to the current state (record-only lines). A new case (no id yet) is
    added to the session and flushed first, so its first event can point at it. Raises
    :class:`ConflictError` when another transaction changed the case or its trail first.
    """
    from_state = case.state
    apply_event(case, action, from_state, to_state or from_state, payload, at)
    if case.id is None:
        session.add(case)
        _flush(session, None)
    case_id = case.id  # after a failed flush the instance may not be read any more
    event = CaseEvent(
        case_id=case_id,
        seq=case.event_count,
        at=at,
        actor=actor[:64],
        action=action,
        from_state=from_state,
        to_state=case.state,
        payload=payload,
    )
    session.add(event)
    _flush(session, case_id)
    return event


def _flush(session: Session, case_id: int | None) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(case_id or 0) from None
    except sa.exc.IntegrityError as exc:
        if case_id is not None and violated_constraint(exc) in TRAIL_CONSTRAINTS:
            raise ConflictError(case_id) from None
        raise


def replay(events: Iterable[Any]) -> dict[str, Any]:
    """Rebuild the replayed columns from a case's events (ordered by ``seq``)."""
    state = SimpleNamespace(event_count=0)
    for e in events:
        apply_event(state, e.action, e.from_state, e.to_state, e.payload, e.at)
    return {name: getattr(state, name, None) for name in REPLAYED_FIELDS}
