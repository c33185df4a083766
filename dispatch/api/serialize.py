"""Domain rows as JSON documents. Text is returned exactly as stored (the response escapes it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dispatch.alerts import ALERT_HEADLINE
from dispatch.db import columns
from dispatch.models import Alert, Attachment, Case, CaseEvent, Center, DispatchOrder
from dispatch.types import TICKING_STATES

#: Columns copied as stored, in the order the documents list them.
CASE_HEAD = ("id", "number", "title", "description", "kind", "complexity", "channel", "source",
             "external_id", "risk", "state")
CASE_TAIL = ("owning_path", "reporter", "lat", "lon", "camera_id", "reported_at", "accepted_at",
             "resolved_at", "closed_at", "due_at")
CASE_COUNTERS = ("suspended_at", "paused_seconds", "extended", "rework_count", "redo_count",
                 "return_count", "escalation_count", "supervision_stage", "satisfaction",
                 "handled_level", "leader", "plan", "merged_into_id", "version")
EVENT = ("seq", "at", "actor", "action", "from_state", "to_state", "payload")
ORDER_TIMES = ("dispatched_at", "signed_at", "returned_at", "returned_reason")
ATTACHMENT = ("id", "filename", "content_type", "size", "sha256", "created_at")
CENTER = ("code", "name", "level", "path")
ALERT_TAIL = ("message", "params", "raised_at", "cleared_at")


def case_doc(case: Case, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    ticking = case.state in TICKING_STATES
    return {
        **columns(case, CASE_HEAD),
        "center": case.owning_path.rsplit("/", 1)[-1],
        **columns(case, CASE_TAIL),
        "overdue": bool(ticking and case.due_at is not None and case.due_at < now),
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
    }
