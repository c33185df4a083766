"""Domain rows as JSON documents. Text is returned exactly as stored (the response escapes it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.alerts import ALERT_HEADLINE
from dispatch.db import columns
from dispatch.models import Alert, Attachment, Case, CaseEvent, Center, DispatchOrder, Grid, Unit
from dispatch.rollup.tables import late_from
from dispatch.types import TICKING_STATES

#: Columns copied as stored, in the order the documents list them.
CASE_HEAD = ("id", "number", "title", "description", "kind", "complexity", "channel", "source",
             "external_id", "risk", "state")
CASE_TAIL = ("owning_path", "reporter", "lat", "lon", "camera_id", "reported_at", "accepted_at",
             "resolved_at", "closed_at", "due_at")
CASE_COUNTERS = ("suspended_at", "paused_seconds", "extended", "late_extension_count",
                 "extension_requested_days", "rework_count", "redo_count",
                 "return_count", "return_rejected_count", "order_count", "escalation_count", "supervision_stage", "satisfaction",
                 "handled_level", "leader", "plan", "plan_review_on", "supervise_at",
                 "supervise_by", "supervise_note", "supervise_due_on", "merged_into_id", "version")
EVENT = ("seq", "at", "actor", "action", "from_state", "to_state", "payload")
ORDER_TIMES = ("dispatched_at", "signed_at", "returned_at", "returned_reason",
               "return_decision", "return_decided_at", "return_decision_note",
               "feedback", "feedback_at")
ATTACHMENT = ("id", "filename", "content_type", "size", "sha256", "created_at", "order_id")
CENTER = ("code", "name", "level", "path")
ALERT_TAIL = ("message", "params", "raised_at", "cleared_at")


def place_codes(session: Session, cases: Iterable[Case]) -> dict[int, tuple[str | None, str | None]]:
    """``case id → (grid code, unit code)`` of ``cases``, in one query."""
    wanted = [c.id for c in cases if c.grid_id is not None or c.unit_id is not None]
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Case.id, Grid.code, Unit.code)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Case.id.in_(wanted))
    ).all()
    return {case_id: (grid, unit) for case_id, grid, unit in rows}


def case_doc(
    case: Case, now: datetime | None = None, places: tuple[str | None, str | None] | None = None
) -> dict[str, Any]:
    """A case as the API returns it; ``places`` are its grid and 十联户 unit codes
    (:func:`place_codes`; None: neither)."""
    now = now or datetime.now(UTC)
    ticking = case.state in TICKING_STATES
    grid, unit = places or (None, None)
    return {
        **columns(case, CASE_HEAD),
        "center": case.owning_path.rsplit("/", 1)[-1],
        "grid": grid,
        "unit": unit,
        **columns(case, CASE_TAIL),
        # The handler's clock: a resolution made in time that awaits 核查 is not overdue.
        "overdue": bool(ticking and (late := late_from(case)) is not None and late < now),
        **columns(case, CASE_COUNTERS),
    }


def event_doc(event: CaseEvent) -> dict[str, Any]:
    return columns(event, EVENT)


def order_doc(order: DispatchOrder) -> dict[str, Any]:
    return {
        **columns(order, ("id", "role", "state")),
        "department": order.department.code if order.department else None,
        "center": order.center.code if order.center else None,
        **columns(order, ORDER_TIMES),
    }


def attachment_doc(att: Attachment) -> dict[str, Any]:
    return {**columns(att, ATTACHMENT), "url": f"cases/{att.case_id}/attachments/{att.id}"}


def center_doc(center: Center) -> dict[str, Any]:
    return {
        **columns(center, CENTER),
        "parent": center.path.rsplit("/", 2)[-2] if "/" in center.path else None,
        "lat": center.lat,
        "lon": center.lon,
    }


def alert_doc(alert: Alert) -> dict[str, Any]:
    return {
        **columns(alert, ALERT_HEADLINE),
        **columns(alert, ALERT_TAIL),
        "open": alert.open_key is not None,
        "acked_by": alert.acked_by,
        "acked_at": alert.acked_at,
        "ack_note": alert.ack_note,
        "occurrences": alert.occurrences,
        "escalation_step": alert.escalation_step,
        "notified_center": alert.notified_path,
        "next_step_at": alert.next_step_at,
    }
