"""Duty alerts: raised once per condition, listed per scope, acknowledged by the signed-in person.

An alert is *open* while its condition holds; ``open_key`` (unique) equals its ``dedup_key``
until :func:`clear_alert`, so raising the same condition twice while open returns the first
alert instead of a second row. Acknowledging records who saw it (the authenticated principal,
never a name from the request) and stops its escalation; it does not clear it. Every change
is a step on the alert's own trail (:mod:`dispatch.duty.steps`). A camera that comes back
does not clear its offline alert at once: :mod:`dispatch.duty.escalation` clears it after a
steady spell (hysteresis), and a new outage meanwhile counts as a recurrence of the same alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.accounts.access import ALERT_ACK, may
from dispatch.briefings.cameras import record_interval
from dispatch.db import columns
from dispatch.duty.steps import Step, record_step
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
    if severity == Severity.CRITICAL:
        alert.next_step_at = alert.raised_at  # the escalation notifies the duty officer first
    session.add(alert)
    _changed(session, alert, "raised")
    record_step(session, alert, Step.RAISED, alert.raised_at, center_path=center_path)
    return alert, True


def clear_alert(
    session: Session, dedup_key: str, now: datetime | None = None, *, reason: str | None = None
) -> Alert | None:
    """The condition no longer holds: close the open alert, if any. ``reason`` is the case
    action that ended it (recorded on the trail, see :mod:`dispatch.duty.steps`)."""
    alert = session.scalar(sa.select(Alert).where(Alert.open_key == dedup_key))
    if alert is None:
        return None
    return close_alert(session, alert, now, reason=reason)


def close_alert(
    session: Session,
    alert: Alert,
    now: datetime | None = None,
    *,
    step: Step = Step.CLEARED,
    reason: str | None = None,
    center_path: str | None = None,
) -> Alert:
    """Close an open ``alert``: ``step`` on its trail (``cleared``, or ``handed_over`` when its
    case went to another center, named by ``center_path``) with the ``reason``."""
    record_step(session, alert, step, _now(now), center_path=center_path, note=reason)
    return _changed(session, alert, "cleared", open_key=None, cleared_at=_now(now), next_step_at=None)


def list_alerts(
    session: Session,
    principal: Principal,
    scope_path: str,
    *,
    open_only: bool = True,
    unacked_only: bool = False,
    kind: str | None = None,
    severity: str | None = None,
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
    if severity:
        query = query.where(Alert.severity == severity)
    query = query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def unacked_critical(
    session: Session, principal: Principal, scope_path: str, limit: int = 100
) -> list[Alert]:
    """Open critical alerts of the scope nobody has acknowledged yet, newest first (the wall
    pins their cameras; the alerts page sounds for new ones)."""
    return list_alerts(
        session, principal, scope_path, unacked_only=True, severity=Severity.CRITICAL.value,
        limit=limit,
    )


@dataclass(frozen=True)
class AlertFilter:
    """What the alert center asks for; an empty tuple or None means "any"."""

    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    center_path: str | None = None  # this center and below it, within the scope
    acked: bool | None = False  # False: unacknowledged only, True: acknowledged only
    open_only: bool = True


def find_alerts(
    session: Session, principal: Principal, scope_path: str, flt: AlertFilter, limit: int = 500
) -> list[Alert]:
    """Alerts of the scope matching ``flt``, newest first (the alert center's list)."""
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    query = sa.select(Alert).where(subtree_filter(Alert.center_path, scope_path))
    if flt.center_path and flt.center_path != scope_path:
        if not flt.center_path.startswith(scope_path + "/"):
            raise Forbidden(f"center {flt.center_path} is outside the scope")
        query = query.where(subtree_filter(Alert.center_path, flt.center_path))
    if flt.open_only:
        query = query.where(Alert.cleared_at.is_(None))
    if flt.acked is not None:
        query = query.where(Alert.acked_at.is_not(None) if flt.acked else Alert.acked_at.is_(None))
    if flt.kinds:
        query = query.where(Alert.kind.in_(flt.kinds))
    if flt.severities:
        query = query.where(Alert.severity.in_(flt.severities))
    if flt.levels:
        query = query.join(Center, Center.path == Alert.center_path).where(
            Center.level.in_(flt.levels)
        )
    query = query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    return list(session.scalars(query))


def alert_centers(
    session: Session, principal: Principal, scope_path: str, open_only: bool = True
) -> list[tuple[str, str, int, int]]:
    """(path, name, level, alerts) of the centers of the scope that have alerts, by path."""
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    query = (
        sa.select(Center.path, Center.name, Center.level, sa.func.count(Alert.id))
        .join(Center, Center.path == Alert.center_path)
        .where(subtree_filter(Alert.center_path, scope_path))
        .group_by(Center.path, Center.name, Center.level)
        .order_by(Center.path)
    )
    if open_only:
        query = query.where(Alert.cleared_at.is_(None))
    return [(p, n, lv, c) for p, n, lv, c in session.execute(query).all()]


#: What acknowledging needs, in words (the 403 answer names it).
ACK_REFUSAL = (
    "acknowledging an alert needs the 'ack' permission: the duty officer, operator or leader "
    "role at the alert's center or one above it, or an API token granted the action 'ack'"
)
NOTE_MAX = 500


def may_ack(principal: Principal, alert: Alert) -> bool:
    """The one rule, asked by the page before it offers the button and by :func:`ack_alert`."""
    return principal.sees(alert.center_path) and may(principal, ALERT_ACK)


def ack_alert(
    session: Session,
    principal: Principal,
    alert_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """Record that the principal has seen the alert (with an optional note) and stop its
    escalation. Idempotent: a second acknowledgement keeps the first."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert", alert_id)
    if not principal.sees(alert.center_path):
        raise Hidden("alert", alert_id, alert.center_path)  # a 404 that is still audited
    if not may_ack(principal, alert):
        raise Forbidden(ACK_REFUSAL)
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput("note", f"at most {NOTE_MAX} characters")
    if alert.acked_at is None:
        at = _now(now)
        record_step(session, alert, Step.ACKED, at, center_path=principal.center_path,
                    person=principal.actor, note=text or None)
        _changed(session, alert, "acked", acked_by=principal.actor, acked_at=at,
                 ack_note=text or None, next_step_at=None)
    return alert


def ack_alerts(
    session: Session,
    principal: Principal,
    alert_ids: list[int],
    note: str | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """Acknowledge several alerts with one note, all or none (one transaction)."""
    return [ack_alert(session, principal, i, note, now) for i in dict.fromkeys(alert_ids)]


def record_camera_status(
    session: Session,
    camera_id: str,
    status: str,
    at: datetime | None = None,
    *,
    important: bool = False,
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
        if new in CAMERA_ALERTS:  # still offline at a restart: its alert must be open
            raise_camera_alert(session, camera_id, new, at=at, important=important)
        return camera
    old = camera.status
    camera.status = new.value
    camera.status_changed_at = _now(at)
    record_interval(session, camera_id, new.value, camera.status_changed_at)
    for alerting, (kind, _, _) in CAMERA_ALERTS.items():
        if alerting == CameraStatus.TAMPERED and old != CameraStatus.TAMPERED.value:
            continue  # a tamper event's alert lasts as its condition: clear_camera_tamper
        # Pictures coming back clear an offline alert only after a steady spell
        # (dispatch.duty.escalation); a tamper alert replaces it at once.
        hysteresis = alerting == CameraStatus.OFFLINE and new != CameraStatus.TAMPERED
        if alerting != new and not hysteresis:
            clear_alert(session, f"{kind.value}:{camera_id}", at)
    if new in CAMERA_ALERTS:
        alert, created = raise_camera_alert(session, camera_id, new, at=at, important=important)
        if not created:  # came back while the alert was still open: one alert, counted
            record_step(session, alert, Step.RECURRED, _now(at))
            _changed(session, alert, "recurred", occurrences=alert.occurrences + 1)
    session.flush()
    return camera


def clear_camera_tamper(session: Session, camera_id: str, at: datetime | None = None) -> Alert | None:
    """The stream hub saw every tamper condition of the camera end: close its tamper alert."""
    kind = CAMERA_ALERTS[CameraStatus.TAMPERED][0]
    return clear_alert(session, f"{kind.value}:{camera_id}", at)


def raise_camera_alert(
    session: Session,
    camera_id: str,
    status: CameraStatus | str,
    *,
    detail: str = "",
    at: datetime | None = None,
    important: bool = False,
) -> tuple[Alert, bool]:
    """Raise the alert for a camera in ``status`` (offline or tampered) at its center; an
    important camera's (deployment flag ``important``) is critical whatever its kind."""
    kind, severity, text = CAMERA_ALERTS[CameraStatus(status)]
    if important:
        severity = Severity.CRITICAL
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
