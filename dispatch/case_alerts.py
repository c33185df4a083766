"""What follows a change of a case: the duty alerts it raises or clears, then the bus message.

Two kinds of rule: those of the new state (a high-risk case keeps its alert open while the case
is open; a case that ends clears its case alerts) and those a transition declares
(:attr:`~dispatch.transitions.Transition.raises` and ``clears``), worded here by kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.alerts import clear_alert, raise_alert
from dispatch.events import queue_publish
from dispatch.localtime import TZ
from dispatch.models import Alert, Case
from dispatch.transitions import Transition
from dispatch.types import TERMINAL_STATES, AlertKind, Risk, Severity

#: Case alerts that end when the case leaves the open states.
CASE_ALERT_KINDS = (AlertKind.CASE_OVERDUE, AlertKind.CASE_NEAR_DEADLINE, AlertKind.HIGH_RISK_CASE)

#: ``(severity, message, dedup key, params)`` of an alert a transition raises.
Wording = tuple[Severity, str, str, dict[str, Any]]


def _escalation(case: Case, action: str) -> Wording:
    return (
        Severity.WARNING,
        f"事件上报 case escalated to this center: {case.number}",
        f"escalation:{case.id}:{case.event_count}",
        {"number": case.number},
    )


def _supervision(case: Case, action: str) -> Wording:
    word = "催办 urged" if action == "urge" else "通报 notified"
    return (
        Severity.WARNING,
        f"{word}: {case.number}",
        f"supervision:{case.id}:{case.event_count}",
        {"number": case.number, "action": action},
    )


def _high_risk(case: Case, action: str) -> Wording:
    return (
        Severity.CRITICAL,
        f"高风险事件 high-risk case {case.number}: {case.title}",
        f"{AlertKind.HIGH_RISK_CASE.value}:{case.id}",
        {"number": case.number, "title": case.title},
    )


def _deadline(kind: AlertKind, severity: Severity, word: str) -> Callable[[Case, str], Wording]:
    """The SLA clock's alerts: params hold the case number and its due time (UTC, ISO)."""

    def wording(case: Case, action: str) -> Wording:
        assert case.due_at is not None
        due = f"{case.due_at.astimezone(TZ):%Y-%m-%d %H:%M}"
        params = {"number": case.number, "due": case.due_at.astimezone(UTC).isoformat()}
        return severity, f"{word}: {case.number} (期限 due {due})", f"{kind.value}:{case.id}", params

    return wording


WORDING: dict[AlertKind, Callable[[Case, str], Wording]] = {
    AlertKind.ESCALATION: _escalation,
    AlertKind.SUPERVISION: _supervision,
    AlertKind.HIGH_RISK_CASE: _high_risk,
    AlertKind.CASE_NEAR_DEADLINE: _deadline(
        AlertKind.CASE_NEAR_DEADLINE, Severity.WARNING, "临近期限 case near its deadline"
    ),
    AlertKind.CASE_OVERDUE: _deadline(AlertKind.CASE_OVERDUE, Severity.CRITICAL, "已超期 case overdue"),
}


def raise_case_alert(
    session: Session, case: Case, kind: AlertKind, now: datetime, action: str = ""
) -> tuple[Alert, bool]:
    """Raise the ``kind`` alert about ``case``, worded by :data:`WORDING`; (alert, created)."""
    severity, message, dedup, params = WORDING[kind](case, action)
    return raise_alert(
        session, kind, severity, case.owning_path, message, dedup,
        case_id=case.id, params=params, now=now,
    )


def queue_case(session: Session, case: Case, action: str) -> None:
    """Tell listeners, after commit, that ``case`` changed by ``action``."""
    queue_publish(
        session,
        "case",
        {
            "id": case.id,
            "number": case.number,
            "state": case.state,
            "action": action,
            "owning_path": case.owning_path,
            "version": case.version,
        },
    )


def after_change(session: Session, case: Case, transition: Transition, now: datetime) -> None:
    """Alerts that follow from the new state and the transition, then the bus message."""
    if case.state not in TERMINAL_STATES:
        if case.risk == Risk.HIGH:
            raise_case_alert(session, case, AlertKind.HIGH_RISK_CASE, now)
    else:
        for kind in CASE_ALERT_KINDS:
            clear_alert(session, f"{kind.value}:{case.id}", now)
    for kind in sorted(transition.clears):
        clear_alert(session, f"{kind.value}:{case.id}", now)
    if transition.raises is not None:
        raise_case_alert(session, case, transition.raises, now, transition.action)
    queue_case(session, case, transition.action)
