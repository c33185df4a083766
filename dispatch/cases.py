"""Case services: report, act, read. They take a Session and a Principal; the caller owns the
transaction. Every change appends a :class:`CaseEvent` in the same transaction and queues a
``case`` message published after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch import orders as order_rules
from dispatch import rollup  # noqa: F401  (installs the KPI counters' flush listeners)
from dispatch.alerts import clear_alert, raise_alert
from dispatch.effects import apply_event
from dispatch.errors import (
    ActionNotAllowed,
    ConflictError,
    Forbidden,
    Hidden,
    InvalidInput,
    NotFound,
)
from dispatch.events import queue_publish
from dispatch.facts import FACTS, ActionContext, iso, need_leader_and_plan, none
from dispatch.intake import CaseIntake
from dispatch.models import Camera, Case, CaseEvent, Center, DispatchOrder, Grid
from dispatch.payloads import validate_payload
from dispatch.principal import Principal
from dispatch.queries import (
    CasePage,
    list_cases,
    orders_of,
    replay_case,
    replay_matches,
    timeline,
)
from dispatch.registry import center_by_code
from dispatch.sla import TZ, Sla
from dispatch.types import TERMINAL_STATES, AlertKind, CaseState, Risk, Severity
from dispatch.workflow import (
    BY_ACTION,
    NEEDS_LEADER_AND_PLAN,
    REPORT_ROLES,
    Transition,
    allowed_actions,
    role_allows,
)

#: Case alerts that end when the case leaves the open states.
CASE_ALERT_KINDS = (AlertKind.CASE_OVERDUE, AlertKind.CASE_NEAR_DEADLINE, AlertKind.HIGH_RISK_CASE)


def case_number(case: Case, reported_at: datetime) -> str:
    """``ZZ-<county code>-<local date>-<id>``, e.g. ``ZZ-532622-20261124-000042``."""
    codes = case.owning_path.split("/")
    county = codes[1] if len(codes) > 1 else codes[0]
    return f"ZZ-{county}-{reported_at.astimezone(TZ):%Y%m%d}-{case.id:06d}"


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


def report_case(
    session: Session,
    principal: Principal,
    intake: CaseIntake,
    *,
    sla: Sla,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Create a case, or return the existing one for the same source and external id.

    Returns ``(case, created)``. Two concurrent reports of the same external id race on a
    unique constraint: the loser's flush raises ``IntegrityError`` and the caller retries
    (the API does), then finds the winner's case here.
    """
    now = now or datetime.now(UTC)
    if not principal.has(*REPORT_ROLES):
        raise Forbidden("your role may not report cases")
    if principal.allowed_actions is not None and "report" not in principal.allowed_actions:
        raise Forbidden("your credentials may not report cases")
    key = intake.idempotency_key()
    if (
        principal.allowed_sources is not None
        and (key[0] if key else intake.channel.value) not in principal.allowed_sources
    ):
        raise Forbidden("this source may not report through your credentials")
    if key is not None:
        existing = session.scalar(
            sa.select(Case).where(Case.source == key[0], Case.external_id == key[1])
        )
        if existing is not None:
            if not principal.sees(existing.owning_path):
                raise Forbidden(
                    f"external id {key[1]} already belongs to a case outside your center"
                )
            return existing, False
    try:
        center = center_by_code(session, intake.center)
    except NotFound:
        raise InvalidInput("center", f"unknown center {intake.center}") from None
    if not principal.sees(center.path):
        raise Forbidden(f"center {intake.center} is outside your center")
    grid_id = _grid_under(session, intake.grid, center) if intake.grid else None
    if intake.camera_id and session.get(Camera, intake.camera_id) is None:
        raise InvalidInput("camera_id", f"unknown camera {intake.camera_id}")
    reported_at = intake.reported_at.astimezone(UTC) if intake.reported_at else now
    if reported_at > now + timedelta(minutes=5):
        raise InvalidInput("reported_at", "lies in the future")
    due_at = sla.deadline(intake.kind, intake.risk, reported_at, intake.complexity)
    case = Case(
        title=intake.title,
        description=intake.description,
        kind=intake.kind.value,
        channel=intake.channel.value,
        source=key[0] if key else None,
        external_id=intake.external_id,
        reported_center_id=center.id,
        grid_id=grid_id,
        camera_id=intake.camera_id,
        lat=intake.lat,
        lon=intake.lon,
        reporter=intake.reporter or principal.actor,
    )
    facts = {
        "center_id": center.id,
        "center": center.code,
        "owning_path": center.path,
        "risk": intake.risk.value,
        "complexity": intake.complexity.value if intake.complexity else None,
        "due_at": iso(due_at),
        "leader": intake.leader,
        "plan": intake.plan,
        "channel": intake.channel.value,
    }
    apply_event(case, "report", None, CaseState.REPORTED, facts, reported_at)
    session.add(case)
    session.flush()
    case.number = case_number(case, reported_at)
    session.add(
        CaseEvent(
            case_id=case.id,
            seq=case.event_count,
            at=reported_at,
            actor=principal.actor,
            action="report",
            from_state=None,
            to_state=case.state,
            payload=facts,
        )
    )
    session.flush()
    _after_change(session, case, "report", now)
    return case, True


def _grid_under(session: Session, code: str, center: Center) -> int:
    row = session.execute(
        sa.select(Grid.id, Center.path)
        .join(Center, Grid.center_id == Center.id)
        .where(Grid.code == code)
    ).first()
    if row is None:
        raise InvalidInput("grid", f"unknown grid {code}")
    if not (row.path == center.path or row.path.startswith(center.path + "/")):
        raise InvalidInput("grid", f"grid {code} is not under center {center.code}")
    return int(row.id)


def can_see(session: Session, principal: Principal, case: Case) -> bool:
    """The owning center's subtree sees a case; so does whoever holds one of its orders."""
    if principal.sees(case.owning_path):
        return True
    return any(
        order_rules.holds(session, principal, o)
        for o in session.scalars(sa.select(DispatchOrder).where(DispatchOrder.case_id == case.id))
    )


def get_case(session: Session, principal: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if not can_see(session, principal, case):
        # Answered as 404 so that existence does not leak; the refusal is still audited.
        raise Hidden("case", case_id, case.owning_path)
    return case


def perform(
    session: Session,
    principal: Principal,
    case_id: int,
    action: str,
    payload: Mapping[str, Any] | None = None,
    *,
    sla: Sla,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Take ``action`` on a case, as declared in :data:`dispatch.workflow.TRANSITIONS`.

    Raises NotFound, ActionNotAllowed (state and allowed actions named), Forbidden,
    InvalidInput (field named), RuleViolation or ConflictError (someone acted first).
    """
    now = now or datetime.now(UTC)
    transition = BY_ACTION.get(action)
    if transition is None:
        raise InvalidInput(
            "action", f"unknown action {action!r}; known: {', '.join(sorted(BY_ACTION))}"
        )
    case = get_case(session, principal, case_id)
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(
            case_id, f"you saw version {expected_version}, it is now {case.version}"
        )
    if case.state not in transition.sources:
        raise ActionNotAllowed(action, case.state, allowed_actions(case.state, principal))
    if not role_allows(transition, principal):
        needed = ", ".join(sorted(transition.roles))
        raise Forbidden(f"action {action!r} needs one of the roles: {needed}")
    clean = validate_payload(transition, payload or {})
    ctx = ActionContext(session, principal, case, clean, sla, now)
    if transition.on_order:
        ctx.order = order_rules.check_order(session, principal, case, action, clean["order_id"])
    elif not principal.sees(case.owning_path):
        raise Forbidden(f"case {case.id} belongs to another center; act through your order")
    if action in NEEDS_LEADER_AND_PLAN:
        need_leader_and_plan(ctx)
    facts = FACTS.get(action, none)(ctx)
    record = {**clean, **facts}
    _apply(session, principal, case, transition, record, now)
    _after_change(session, case, action, now)
    return case


def _apply(
    session: Session,
    principal: Principal,
    case: Case,
    transition: Transition,
    record: dict[str, Any],
    now: datetime,
) -> None:
    branch = record.get(transition.branch_on) if transition.branch_on else None
    from_state = case.state
    to_state = transition.next_state(CaseState(from_state), branch, case.suspended_from)
    apply_event(case, transition.action, from_state, to_state, record, now)
    session.add(
        CaseEvent(
            case_id=case.id,
            seq=case.event_count,
            at=now,
            actor=principal.actor,
            action=transition.action,
            from_state=from_state,
            to_state=to_state,
            payload=record,
        )
    )
    case_id = case.id  # after a failed flush the instance may not be read any more
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(case_id) from None
    except sa.exc.IntegrityError as exc:
        if "case_events" in str(exc.orig) or "seq" in str(exc.orig):
            raise ConflictError(case_id) from None
        raise


def _after_change(session: Session, case: Case, action: str, now: datetime) -> None:
    """Alerts that follow from the new state, then the bus message."""
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
    if action == "escalate":
        raise_alert(
            session,
            AlertKind.ESCALATION,
            Severity.WARNING,
            case.owning_path,
            f"事件上报 case escalated to this center: {case.number}",
            f"escalation:{case.id}:{case.event_count}",
            case_id=case.id,
            params={"number": case.number},
            now=now,
        )
    elif action in ("urge", "notify", "extend", "reopen"):
        clear_alert(session, f"{AlertKind.CASE_NEAR_DEADLINE.value}:{case.id}", now)
        if action in ("extend", "reopen"):
            clear_alert(session, f"{AlertKind.CASE_OVERDUE.value}:{case.id}", now)
        else:
            raise_alert(
                session,
                AlertKind.SUPERVISION,
                Severity.WARNING,
                case.owning_path,
                f"{'催办 urged' if action == 'urge' else '通报 notified'}: {case.number}",
                f"supervision:{case.id}:{case.event_count}",
                case_id=case.id,
                params={"number": case.number, "action": action},
                now=now,
            )
    queue_case(session, case, action)


# Reads live in dispatch.queries; they are part of this module's public face as well.
__all__ = [
    "CasePage",
    "can_see",
    "case_number",
    "get_case",
    "list_cases",
    "orders_of",
    "perform",
    "replay_case",
    "replay_matches",
    "report_case",
    "timeline",
]
