"""An alert's own trail: one row per step, written by the alert service and the escalation.

Steps (stored values, translated by pages with ``label("alert_step", …)``):
``raised``, ``notified`` (the center's duty officer), ``renotified``, ``escalated`` (the
parent center's duty officer), ``acked``, ``reopened`` (acknowledged but the condition
persisted), ``recurred`` (the condition came back while the alert was open), ``cleared``,
``handed_over`` (its case went to another center, named by ``center_path``: closed here) and
``taken_over`` (opened at the case's new holder, ``center_path`` naming the center it came
from). On ``cleared``, ``handed_over`` and ``taken_over`` steps ``note`` holds the reason: the
case action that caused it (``escalate``, ``merge``, ``resolve`` …; see :data:`REASONED`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import Alert, AlertStep


class Step(StrEnum):
    RAISED = "raised"
    NOTIFIED = "notified"
    RENOTIFIED = "renotified"
    ESCALATED = "escalated"
    ACKED = "acked"
    REOPENED = "reopened"
    RECURRED = "recurred"
    CLEARED = "cleared"
    HANDED_OVER = "handed_over"
    TAKEN_OVER = "taken_over"


#: Steps whose ``note`` is a reason (a case action's name), not a person's words.
REASONED: frozenset[str] = frozenset({Step.CLEARED, Step.HANDED_OVER, Step.TAKEN_OVER})


def record_step(
    session: Session,
    alert: Alert,
    step: Step,
    at: datetime,
    *,
    center_path: str | None = None,
    person: str | None = None,
    note: str | None = None,
) -> AlertStep:
    """Append ``step`` to the alert's trail (the caller owns the transaction)."""
    if alert.id is None:
        session.flush()
    row = AlertStep(
        alert_id=alert.id, at=at, step=step.value, center_path=center_path,
        person=person, note=note,
    )
    session.add(row)
    return row


def trail(session: Session, alert_ids: Iterable[int]) -> dict[int, list[AlertStep]]:
    """Each alert's steps, oldest first."""
    ids = list(set(alert_ids))
    found: dict[int, list[AlertStep]] = defaultdict(list)
    if not ids:
        return found
    rows = session.scalars(
        sa.select(AlertStep).where(AlertStep.alert_id.in_(ids)).order_by(AlertStep.at, AlertStep.id)
    )
    for row in rows:
        found[row.alert_id].append(row)
    return found


__all__ = ["REASONED", "Step", "record_step", "trail"]
