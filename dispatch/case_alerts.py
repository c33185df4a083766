"""What follows a change of a case: the duty alerts it raises or clears, then the bus message.

Two kinds of rule: those of the new state (a high-risk case keeps its alert open while the case
is open; a case that ends clears its case alerts) and those a transition declares
(:attr:`~dispatch.transitions.Transition.raises` and ``clears``), worded here by kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.alerts import clear_alert, raise_alert
from dispatch.events import queue_publish
from dispatch.models import Case
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


WORDING: dict[AlertKind, Callable[[Case, str], Wording]] = {
    AlertKind.ESCALATION: _escalation,
    AlertKind.SUPERVISION: _supervision,
}


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
            raise_alert(
                session,
                AlertKind.HIGH_RISK_CASE,
                Severity.CRITICAL,
                case.owning_path,
                f"高风险事件 high-risk case {case.number}: {case.title}",
                f"high_risk_case:{case.id}",
                case_id=case.id,
                params={"number": case.number, "title": case.title},
                now=now,
            )
    else:
        for kind in CASE_ALERT_KINDS:
            clear_alert(session, f"{kind.value}:{case.id}", now)
    for kind in sorted(transition.clears):
        clear_alert(session, f"{kind.value}:{case.id}", now)
    if transition.raises is not None:
        severity, message, dedup, params = WORDING[transition.raises](case, transition.action)
        raise_alert(
            session,
            transition.raises,
            severity,
            case.owning_path,
            message,
            dedup,
            case_id=case.id,
            params=params,
            now=now,
        )
    queue_case(session, case, transition.action)
