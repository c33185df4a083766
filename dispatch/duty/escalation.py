"""The escalation pass (值班升级), run by the server's periodic loop next to the SLA clock.

For every open, unacknowledged critical alert whose next step is due:

1. ``notified`` — the duty officer on the roster of the alert's own center (at once);
2. ``renotified`` — the same center again, ``renotify_minutes`` later;
3. ``escalated`` — the parent center's duty officer, ``escalate_minutes`` later, and so on up
   the levels every ``escalate_minutes`` until ``top_level``.

Acknowledging stops the chain (``next_step_at`` is cleared by the alert service). An
acknowledged critical alert of ``reopen_kinds`` (persisting faults: camera offline or tampered,
case overdue) whose condition still holds ``reopen_minutes`` after the acknowledgement
re-opens and its chain starts again. A camera-offline alert clears only once
its camera has been delivering pictures for ``camera_recovery_seconds`` (hysteresis).

Each alert is handled in its own transaction; every step is published on the bus (change
``notified`` / ``renotified`` / ``escalated`` / ``reopened``) and written on the alert's trail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.duty import DutyPolicy
from dispatch.alerts import ALERT_HEADLINE, clear_alert
from dispatch.db import columns
from dispatch.duty.roster import on_duty
from dispatch.duty.steps import Step, record_step
from dispatch.events import queue_publish
from dispatch.models import Alert, Camera
from dispatch.types import AlertKind, CameraStatus, Severity

log = logging.getLogger("dispatch.duty.escalation")


@dataclass
class EscalationReport:
    notified: int = 0
    renotified: int = 0
    escalated: int = 0
    reopened: int = 0
    recovered: int = 0

    def __add__(self, other: EscalationReport) -> EscalationReport:
        return EscalationReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def level_of(path: str) -> int:
    """Level of a center from its path of 行政区划 codes (the root is level 1)."""
    return path.count("/") + 1


def parent_of(path: str) -> str | None:
    head, sep, _ = path.rpartition("/")
    return head if sep else None


class Escalator:
    """Call :meth:`run_once` on a timer (``dashboard.server.periodic``) or directly (tests,
    with ``now`` on a fast clock)."""

    def __init__(self, session_factory: sessionmaker[Session], policy: DutyPolicy | None = None) -> None:
        self.factory = session_factory
        self.policy = policy or DutyPolicy()

    def run_once(self, now: datetime | None = None) -> EscalationReport:
        now = now or datetime.now(UTC)
        report = EscalationReport()
        with self.factory() as session:
            due = session.scalars(
                sa.select(Alert.id).where(
                    Alert.next_step_at <= now,
                    Alert.acked_at.is_(None),
                    Alert.open_key.is_not(None),
                )
            ).all()
            reopen_before = now - timedelta(minutes=self.policy.reopen_minutes)
            stale_acks = session.scalars(
                sa.select(Alert.id).where(
                    Alert.severity == Severity.CRITICAL.value,
                    Alert.kind.in_(self.policy.reopen_kinds),
                    Alert.open_key.is_not(None),
                    Alert.acked_at <= reopen_before,
                )
            ).all()
        for alert_id in due:
            report += self._guarded(self._step, alert_id, now)
        for alert_id in stale_acks:
            report += self._guarded(self._reopen, alert_id, now)
        report.recovered += self._recover_cameras(now)
        return report

    def _guarded(self, job: object, alert_id: int, now: datetime) -> EscalationReport:
        try:
            with self.factory.begin() as session:
                return job(session, alert_id, now)  # type: ignore[operator, no-any-return]
        except Exception:  # one bad alert must not stop the pass
            log.exception("escalation of alert %s failed; retried next pass", alert_id)
            return EscalationReport()

    def _step(self, session: Session, alert_id: int, now: datetime) -> EscalationReport:
        alert = session.get(Alert, alert_id, with_for_update=True)
        report = EscalationReport()
        if alert is None or alert.acked_at is not None or alert.open_key is None:
            return report
        if alert.next_step_at is None or alert.next_step_at > now:
            return report
        policy = self.policy
        if alert.escalation_step == 0:
            step, target = Step.NOTIFIED, alert.center_path
            wait = policy.renotify_minutes
            report.notified += 1
        elif alert.escalation_step == 1:
            step, target = Step.RENOTIFIED, alert.notified_path or alert.center_path
            wait = policy.escalate_minutes
            report.renotified += 1
        else:
            parent = parent_of(alert.notified_path or alert.center_path)
            if parent is None or level_of(parent) < policy.top_level:
                alert.next_step_at = None  # the top of the chain was reached earlier
                return report
            step, target = Step.ESCALATED, parent
            wait = policy.escalate_minutes
            report.escalated += 1
        people = on_duty(session, target, now)
        record_step(
            session, alert, step, now, center_path=target,
            person=", ".join(people)[:64] or None,
            note=None if people else "no_one_on_duty",
        )
        alert.notified_path = target
        alert.escalation_step += 1
        above = parent_of(target)
        last = alert.escalation_step >= 2 and (above is None or level_of(above) < policy.top_level)
        alert.next_step_at = None if last else now + timedelta(minutes=wait)
        session.flush()
        queue_publish(
            session, "alert",
            {**columns(alert, ALERT_HEADLINE), "change": step.value, "notified_path": target,
             "on_duty": people},
        )
        return report

    def _reopen(self, session: Session, alert_id: int, now: datetime) -> EscalationReport:
        alert = session.get(Alert, alert_id, with_for_update=True)
        limit = now - timedelta(minutes=self.policy.reopen_minutes)
        if alert is None or alert.open_key is None or alert.acked_at is None or alert.acked_at > limit:
            return EscalationReport()
        record_step(session, alert, Step.REOPENED, now, center_path=alert.center_path)
        alert.acked_at = None
        alert.acked_by = None
        alert.ack_note = None
        alert.escalation_step = 0
        alert.notified_path = None
        alert.next_step_at = now
        session.flush()
        queue_publish(session, "alert", {**columns(alert, ALERT_HEADLINE), "change": "reopened"})
        return EscalationReport(reopened=1)

    def _recover_cameras(self, now: datetime) -> int:
        """Clear offline alerts of cameras delivering pictures steadily since long enough."""
        steady_since = now - timedelta(seconds=self.policy.camera_recovery_seconds)
        with self.factory.begin() as session:
            keys = session.scalars(
                sa.select(Alert.dedup_key)
                .join(Camera, Camera.id == Alert.camera_id)
                .where(
                    Alert.kind == AlertKind.CAMERA_OFFLINE.value,
                    Alert.open_key.is_not(None),
                    Camera.status.in_([CameraStatus.ONLINE.value, CameraStatus.DEGRADED.value]),
                    Camera.status_changed_at <= steady_since,
                )
            ).all()
            return sum(clear_alert(session, key, now) is not None for key in keys)


__all__ = ["EscalationReport", "Escalator", "level_of", "parent_of"]
