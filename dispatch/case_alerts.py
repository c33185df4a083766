"""What follows a change of a case: the duty alerts it raises or clears, then the bus message.

Three kinds of rule:

- **Alerts follow their case.** A case's alerts belong to the centers that hold it: its owning
  center and the centers holding its active orders. When it moves (escalated, its order
  returned or re-dispatched), the open alerts of a center that no longer holds it close
  (``handed_over`` on their trail, naming the new holder and the action), and those that still
  hold for the case (:data:`FOLLOW_KINDS`: overdue, near deadline, high risk, 督办) open at the
  owning center (``taken_over``, naming where they came from). The escalation alert is the
  receiving center's own and is raised by the transition instead.
- **The new state's rules.** A high-risk case keeps its alert open while the case is open; a
  case whose resolution awaits 核查 is no longer pressed (its 督办 alerts close); a case that
  ends (closed, refused, merged) closes every alert about it. Each close names the action.
- **The transition's own** (:attr:`~dispatch.transitions.Transition.raises` and ``clears``),
  worded here by kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.alerts import close_alert, raise_alert
from dispatch.duty.steps import Step, record_step
from dispatch.events import queue_publish
from dispatch.localtime import TZ
from dispatch.models import Alert, Case, Center, Department, DispatchOrder
from dispatch.transitions import Transition
from dispatch.types import TERMINAL_STATES, AlertKind, CaseState, OrderState, Risk, Severity

#: The clock's and the risk's case alerts (one open per case, keyed by kind and case).
CASE_ALERT_KINDS = (AlertKind.CASE_OVERDUE, AlertKind.CASE_NEAR_DEADLINE, AlertKind.HIGH_RISK_CASE)
#: Alerts that still hold for a case at its new holder after it moved.
FOLLOW_KINDS = frozenset({*CASE_ALERT_KINDS, AlertKind.SUPERVISION, AlertKind.PLAN_REVIEW_OVERDUE})
#: States whose resolution awaits 核查: the handler is no longer pressed (督办 ends).
AWAITING_CHECK = frozenset({CaseState.RESOLVED, CaseState.VERIFIED, CaseState.VISITED})
#: Orders whose addressee no longer holds the case (any other state still holds it).
_FINISHED_ORDERS = tuple(s.value for s in (OrderState.RETURNED, OrderState.CANCELLED, OrderState.DONE))

#: ``(severity, message, dedup key, params)`` of an alert a transition raises.
Wording = tuple[Severity, str, str, dict[str, Any]]


def _escalation(case: Case, action: str) -> Wording:
    return (
        Severity.WARNING,
        f"事件上报 case escalated to this center: {case.number}",
        f"escalation:{case.id}:{case.event_count}",
        {"number": case.number},
    )


_SUPERVISION_WORDS = {"urge": "催办 urged", "notify": "通报 notified", "supervise": "督办 supervised"}


def _supervision(case: Case, action: str) -> Wording:
    word = _SUPERVISION_WORDS.get(action, "通报 notified")
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


def plan_review_key(case_id: int, day: date) -> str:
    """One alert per case and passed review date (dispatch.plan_review)."""
    return f"{AlertKind.PLAN_REVIEW_OVERDUE.value}:{case_id}:{day.isoformat()}"


def _plan_review(case: Case, action: str) -> Wording:
    """The plan's review date passed: params hold the number, the date and the 包保 leader."""
    assert case.plan_review_on is not None
    day = case.plan_review_on.isoformat()
    return (
        Severity.WARNING,
        f"一案一策复核逾期 plan review overdue: {case.number} (复核日 review date {day})",
        plan_review_key(case.id, case.plan_review_on),
        {"number": case.number, "review_on": day, "leader": case.leader or ""},
    )


WORDING: dict[AlertKind, Callable[[Case, str], Wording]] = {
    AlertKind.PLAN_REVIEW_OVERDUE: _plan_review,
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


def open_alerts_of(session: Session, case_id: int) -> list[Alert]:
    """The case's open alerts, oldest first."""
    return list(
        session.scalars(
            sa.select(Alert)
            .where(Alert.case_id == case_id, Alert.open_key.is_not(None))
            .order_by(Alert.id)
        )
    )


def holders(session: Session, case: Case) -> set[str]:
    """Paths of the centers that hold ``case``: its owner and those holding an order still
    open (to the center itself, or to a department stationed there)."""
    stationed = sa.select(Department.center_id).where(
        Department.id == DispatchOrder.department_id
    ).scalar_subquery()
    held = session.scalars(
        sa.select(Center.path)
        .join(DispatchOrder, Center.id == sa.func.coalesce(DispatchOrder.center_id, stationed))
        .where(DispatchOrder.case_id == case.id, DispatchOrder.state.not_in(_FINISHED_ORDERS))
    )
    return {case.owning_path, *held}


def follow_case(
    session: Session, case: Case, alerts: list[Alert], reason: str, now: datetime
) -> list[Alert]:
    """Close the alerts of centers that no longer hold ``case`` and open, at its owning
    center, those that still hold there. Returns the case's open alerts afterwards."""
    away = [a for a in alerts if a.center_path != case.owning_path]
    if not away:
        return alerts
    held = holders(session, case)
    kept = [a for a in alerts if a.center_path in held]
    for alert in away:
        if alert.center_path in held:
            continue
        close_alert(session, alert, now, step=Step.HANDED_OVER, reason=reason,
                    center_path=case.owning_path)
        if AlertKind(alert.kind) not in FOLLOW_KINDS:
            continue
        moved, created = raise_alert(
            session, AlertKind(alert.kind), Severity(alert.severity), case.owning_path,
            alert.message, alert.dedup_key, case_id=case.id, params=alert.params, now=now,
        )
        if created:
            record_step(session, moved, Step.TAKEN_OVER, now, center_path=alert.center_path,
                        note=reason)
            kept.append(moved)
    return kept


def _review_date_moved(case: Case, alert: Alert) -> bool:
    """A plan-review alert whose date is no longer the plan's (a new date was set)."""
    if alert.kind != AlertKind.PLAN_REVIEW_OVERDUE.value:
        return False
    day = case.plan_review_on.isoformat() if case.plan_review_on else None
    return (alert.params or {}).get("review_on") != day


def after_change(session: Session, case: Case, transition: Transition, now: datetime) -> None:
    """Alerts that follow the case to its holder, those of the new state and those of the
    transition, then the bus message. Every alert closed here names the action on its trail."""
    reason = transition.action
    alerts = open_alerts_of(session, case.id)
    if case.state in TERMINAL_STATES:
        for alert in alerts:  # the matter has ended here (merged: it goes on as the target)
            close_alert(session, alert, now, reason=reason)
        alerts = []
    else:
        alerts = follow_case(session, case, alerts, reason, now)
        if case.risk == Risk.HIGH:
            raise_case_alert(session, case, AlertKind.HIGH_RISK_CASE, now)
    ends = {kind.value for kind in transition.clears}
    if case.state in AWAITING_CHECK:
        ends.add(AlertKind.SUPERVISION.value)
    if case.risk != Risk.HIGH:  # re-graded below high
        ends.add(AlertKind.HIGH_RISK_CASE.value)
    for alert in alerts:
        if alert.open_key is not None and (
            alert.kind in ends or _review_date_moved(case, alert)
        ):
            close_alert(session, alert, now, reason=reason)
    if transition.raises is not None:
        raise_case_alert(session, case, transition.raises, now, transition.action)
    queue_case(session, case, transition.action)
