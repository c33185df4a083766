"""Reporting a case: the one action that creates a case (上报), through the intake.

A case is created with its ``report`` event in the caller's transaction. The caller must be
granted the report's channel (:mod:`dispatch.channels`); a report that repeats a channel's
external id returns the case already made for it, or raises :class:`ResendConflict` when its
content differs (:mod:`dispatch.resend`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.intake import IntakePolicy
from dispatch.case_alerts import after_change
from dispatch.channels import check_channel, report_time
from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.facts import iso
from dispatch.intake import CaseIntake, resolve_places
from dispatch.models import Camera, Case
from dispatch.principal import Principal
from dispatch.registry import center_by_code
from dispatch.resend import ResendConflict, differences, reporter_of
from dispatch.sla import TZ, Sla
from dispatch.trail import append_event
from dispatch.types import CaseState
from dispatch.workflow import REPORT


def case_number(case: Case, reported_at: datetime) -> str:
    """``ZZ-<county code>-<local date>-<id>``, e.g. ``ZZ-532622-20261124-000042``."""
    codes = case.owning_path.split("/")
    county = codes[1] if len(codes) > 1 else codes[0]
    return f"ZZ-{county}-{reported_at.astimezone(TZ):%Y%m%d}-{case.id:06d}"


def may_report(principal: Principal) -> bool:
    """Whether ``principal`` may create cases (by role, and by its token's actions if any):
    the desk offers its intake form exactly when this holds."""
    return principal.has(*REPORT.roles) and REPORT.allows_role(principal)


def report_case(
    session: Session,
    principal: Principal,
    intake: CaseIntake,
    *,
    sla: Sla,
    now: datetime | None = None,
    policy: IntakePolicy | None = None,
) -> tuple[Case, bool]:
    """Create a case, or return the existing one for the same channel and external id.

    Returns ``(case, created)``. Raises :class:`Forbidden` for a channel the caller is not
    granted, :class:`ResendConflict` (409) when the key's case was reported with other
    content, :class:`InvalidInput` for a ``reported_at`` the channel may not set. Two
    concurrent reports of the same external id race on a unique constraint: the loser's flush
    raises ``IntegrityError`` and the caller retries (the API does), then finds the winner's
    case here.
    """
    now = now or datetime.now(UTC)
    policy = policy or IntakePolicy()
    if not may_report(principal):
        raise Forbidden(
            "your role may not report cases" if not principal.has(*REPORT.roles)
            else "your credentials may not report cases"
        )
    check_channel(principal, intake.channel.value, policy)
    key = intake.idempotency_key()
    if key is not None:
        existing = session.scalar(
            sa.select(Case).where(Case.source == key[0], Case.external_id == key[1])
        )
        if existing is not None:
            if not principal.sees(existing.owning_path):
                raise Forbidden(
                    f"external id {key[1]} already belongs to a case outside your center"
                )
            differing = differences(session, existing, intake, principal)
            if differing:
                raise ResendConflict(existing, differing)
            return existing, False
    try:
        center = center_by_code(session, intake.center)
    except NotFound:
        raise InvalidInput("center", f"unknown center {intake.center}") from None
    if not principal.sees(center.path):
        raise Forbidden(f"center {intake.center} is outside your center")
    places = resolve_places(session, intake, center)
    if intake.camera_id and session.get(Camera, intake.camera_id) is None:
        raise InvalidInput("camera_id", f"unknown camera {intake.camera_id}")
    reported_at = report_time(intake, now, policy)
    due_at = sla.deadline(intake.kind, intake.risk, reported_at, intake.complexity)
    case = Case(
        title=intake.title,
        description=intake.description,
        kind=intake.kind.value,
        channel=intake.channel.value,
        source=key[0] if key else None,  # the key's channel (uq_cases_source_external_id)
        external_id=intake.external_id,
        reported_center_id=center.id,
        grid_id=places.grid_id,
        unit_id=places.unit_id,
        address=intake.address,
        reporter_phone=intake.reporter_phone,
        sub_kind=intake.sub_kind,
        camera_id=intake.camera_id,
        lat=intake.lat,
        lon=intake.lon,
        reporter=reporter_of(intake, principal),
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
    if intake.reported_at is not None:  # the sender's own clock: keep what it said, and when
        facts["reported_at_sent"] = iso(intake.reported_at.astimezone(UTC))
        facts["received_at"] = iso(now)
        if intake.reported_at_reason:
            facts["reported_at_reason"] = intake.reported_at_reason
    append_event(
        session, case, REPORT.action, facts, actor=principal.actor, at=reported_at,
        to_state=CaseState.REPORTED,
    )  # fmt: skip
    case.number = case_number(case, reported_at)
    session.flush()
    after_change(session, case, REPORT, now)
    return case, True
