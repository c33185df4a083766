"""Duty alerts: raised once per condition, listed per scope, acknowledged by a named person.

An alert is *open* while its condition holds; ``open_key`` (unique) equals its ``dedup_key``
until :func:`clear_alert`, so raising the same condition twice while open returns the first
alert instead of a second row. Acknowledging records who saw it; it does not clear it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.db import columns
from dispatch.errors import Forbidden, Hidden, InvalidInput, NotFound
from dispatch.events import queue_publish
from dispatch.models import Alert, Camera, Center
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.types import AlertKind, CameraStatus, Severity

#: What identifies an alert to listeners of the bus; the API's document starts with the same.
ALERT_HEADLINE = ("id", "kind", "severity", "center_path", "case_id", "camera_id")

#: Camera states that raise an alert, and the alert each raises.
CAMERA_ALERTS: dict[CameraStatus, tuple[AlertKind, Severity, str]] = {
    CameraStatus.OFFLINE: (AlertKind.CAMERA_OFFLINE, Severity.WARNING, "摄像机离线 camera offline"),
    CameraStatus.TAMPERED: (
        AlertKind.CAMERA_TAMPERED,
        Severity.CRITICAL,
        "摄像机疑似遮挡或移位 camera tampered",
    ),
}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _publish(session: Session, alert: Alert, change: str) -> None:
    queue_publish(session, "alert", {**columns(alert, ALERT_HEADLINE), "change": change})


def _changed(session: Session, alert: Alert, change: str, **values: Any) -> Alert:
    """Write ``values`` on the alert and tell listeners, after commit, how it changed."""
    for name, value in values.items():
        setattr(alert, name, value)
    session.flush()
    _publish(session, alert, change)
    return alert


def raise_alert(
    session: Session,
    kind: AlertKind,
    severity: Severity,
    center_path: str,
    message: str,
    dedup_key: str,
    *,
    case_id: int | None = None,
    camera_id: str | None = None,
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[Alert, bool]:
    """Raise an alert unless one with ``dedup_key`` is open. Returns (alert, created).

    ``message`` is the plain record (API, exports); ``params`` hold what pages need to word
    the alert in the viewer's language (``dashboard.alert_text``)."""
    existing = session.scalar(sa.select(Alert).where(Alert.open_key == dedup_key))
    if existing is not None:
        return existing, False
    alert = Alert(
        kind=kind.value,
        severity=severity.value,
        center_path=center_path,
        message=message,
        params=params,
        dedup_key=dedup_key,
        open_key=dedup_key,
        case_id=case_id,
        camera_id=camera_id,
        raised_at=_now(now),
    )
    session.add(alert)
    return _changed(session, alert, "raised"), True


def clear_alert(session: Session, dedup_key: str, now: datetime | None = None) -> Alert | None:
    """The condition no longer holds: close the open alert, if any."""
    alert = session.scalar(sa.select(Alert).where(Alert.open_key == dedup_key))
    if alert is None:
        return None
    return _changed(session, alert, "cleared", open_key=None, cleared_at=_now(now))


def list_alerts(
    session: Session,
    principal: Principal,
    scope_path: str,
    *,
    open_only: bool = True,
    unacked_only: bool = False,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Alert]:
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    query = sa.select(Alert).where(subtree_filter(Alert.center_path, scope_path))
    if open_only:
        query = query.where(Alert.cleared_at.is_(None))
    if unacked_only:
        query = query.where(Alert.acked_at.is_(None))
    if kind:
        query = query.where(Alert.kind == kind)
    query = query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def ack_alert(
    session: Session,
    principal: Principal,
    alert_id: int,
    by: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """Record that ``by`` (default: the principal's name) has seen the alert. Idempotent."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert", alert_id)
    if not principal.sees(alert.center_path):
        raise Hidden("alert", alert_id, alert.center_path)  # a 404 that is still audited
    who = (by or principal.name or principal.actor).strip()
    if not who or len(who) > 64:
        raise InvalidInput("by", "a name of 1–64 characters is required")
    if alert.acked_at is None:
        _changed(session, alert, "acked", acked_by=who, acked_at=_now(now))
    return alert


def record_camera_status(
    session: Session, camera_id: str, status: str, at: datetime | None = None
) -> Camera:
    """Store a camera's health as the stream hub reports it; raise or clear its alerts.

    Only a change of status writes (the hub may repeat itself); the composition root calls this
    for each camera status event of the stream hub.
    """
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound("camera", camera_id)
    new = CameraStatus(status)
    if camera.status == new.value:
        return camera
    camera.status = new.value
    camera.status_changed_at = _now(at)
    for alerting, (kind, _, _) in CAMERA_ALERTS.items():
        if alerting != new:
            clear_alert(session, f"{kind.value}:{camera_id}", at)
    if new in CAMERA_ALERTS:
        raise_camera_alert(session, camera_id, new, at=at)
    session.flush()
    return camera


def raise_camera_alert(
    session: Session,
    camera_id: str,
    status: CameraStatus | str,
    *,
    detail: str = "",
    at: datetime | None = None,
) -> tuple[Alert, bool]:
    """Raise the alert for a camera in ``status`` (offline or tampered) at its center."""
    kind, severity, text = CAMERA_ALERTS[CameraStatus(status)]
    row: Any = session.execute(
        sa.select(Camera.name, Center.path)
        .join(Center, Camera.center_id == Center.id)
        .where(Camera.id == camera_id)
    ).first()
    if row is None:
        raise NotFound("camera", camera_id)
    message = f"{text}: {row.name} ({camera_id})" + (f" — {detail}" if detail else "")
    return raise_alert(
        session,
        kind,
        severity,
        row.path,
        message,
        f"{kind.value}:{camera_id}",
        camera_id=camera_id,
        params={"camera": row.name, "camera_id": camera_id, "detail": detail},
        now=at,
    )
