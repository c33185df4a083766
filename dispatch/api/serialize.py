"""Domain rows as JSON documents. Text is returned exactly as stored (the response escapes it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dispatch.models import Alert, Attachment, Case, CaseEvent, Center, DispatchOrder
from dispatch.types import TICKING_STATES


def case_doc(case: Case, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    ticking = case.state in TICKING_STATES
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "kind": case.kind,
        "complexity": case.complexity,
        "channel": case.channel,
        "source": case.source,
        "external_id": case.external_id,
        "risk": case.risk,
        "state": case.state,
        "center": case.owning_path.rsplit("/", 1)[-1],
        "owning_path": case.owning_path,
        "reporter": case.reporter,
        "lat": case.lat,
        "lon": case.lon,
        "camera_id": case.camera_id,
        "reported_at": case.reported_at,
        "accepted_at": case.accepted_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "due_at": case.due_at,
        "overdue": bool(ticking and case.due_at is not None and case.due_at < now),
        "suspended_at": case.suspended_at,
        "paused_seconds": case.paused_seconds,
        "extended": case.extended,
        "rework_count": case.rework_count,
        "redo_count": case.redo_count,
        "return_count": case.return_count,
        "escalation_count": case.escalation_count,
        "supervision_stage": case.supervision_stage,
        "satisfaction": case.satisfaction,
        "handled_level": case.handled_level,
        "leader": case.leader,
        "plan": case.plan,
        "merged_into_id": case.merged_into_id,
        "version": case.version,
    }


def event_doc(event: CaseEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "payload": event.payload,
    }


def order_doc(order: DispatchOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "role": order.role,
        "state": order.state,
        "department": order.department.code if order.department else None,
        "center": order.center.code if order.center else None,
        "dispatched_at": order.dispatched_at,
        "signed_at": order.signed_at,
        "returned_at": order.returned_at,
        "returned_reason": order.returned_reason,
    }


def attachment_doc(att: Attachment) -> dict[str, Any]:
    return {
        "id": att.id,
        "filename": att.filename,
        "content_type": att.content_type,
        "size": att.size,
        "sha256": att.sha256,
        "created_at": att.created_at,
        "url": f"cases/{att.case_id}/attachments/{att.id}",
    }


def center_doc(center: Center) -> dict[str, Any]:
    return {
        "code": center.code,
        "name": center.name,
        "level": center.level,
        "path": center.path,
        "parent": center.path.rsplit("/", 2)[-2] if "/" in center.path else None,
        "lat": center.lat,
        "lon": center.lon,
    }


def alert_doc(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "center_path": alert.center_path,
        "case_id": alert.case_id,
        "camera_id": alert.camera_id,
        "message": alert.message,
        "params": alert.params,
        "raised_at": alert.raised_at,
        "cleared_at": alert.cleared_at,
        "open": alert.open_key is not None,
        "acked_by": alert.acked_by,
        "acked_at": alert.acked_at,
    }
