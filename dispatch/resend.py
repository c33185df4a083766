"""A report sent again under the same (channel, external id): the same report, or a conflict.

A sending system retries a delivery it is unsure of; the retry must get the case made the first
time (200). A different report under a key already used is not a retry: it must not vanish
into the first case, and the sender must learn what differs (409 naming the fields).

The first report is read back from the case's own columns and its ``report`` event (risk,
complexity, leader and plan may change later through the workflow; the event keeps what was
reported). ``reported_at`` is compared when the resend gives it; photos of a resend are not
compared (a retried delivery's photos are dropped with it).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import DispatchError
from dispatch.intake import CaseIntake
from dispatch.models import Case, CaseEvent, Grid, Unit
from dispatch.principal import Principal


class ResendConflict(DispatchError):
    """Another report already holds this (channel, external id); ``fields`` name what differs."""

    status = 409

    def __init__(self, case: Case, fields: list[str]) -> None:
        self.fields = fields
        self.case_id = case.id
        super().__init__(
            f"external id {case.external_id} on channel {case.channel} was already reported "
            f"(case {case.number}) with different {', '.join(fields)}; a resend must repeat "
            "the report unchanged, a new report needs a new external id"
        )


#: Intake fields stored on the case as they were reported.
_COLUMNS = ("title", "description", "sub_kind", "address", "reporter_phone", "camera_id",
            "lat", "lon")
#: Intake fields the ``report`` event keeps (the case's own columns may change later).
_REPORTED = ("center", "risk", "complexity", "leader", "plan")


def reporter_of(intake: CaseIntake, principal: Principal) -> str:
    """The case's 报告人: as given, else the reporting account as people read it (its display
    name, else its login)."""
    return intake.reporter or principal.name or principal.actor


def differences(
    session: Session, case: Case, intake: CaseIntake, principal: Principal
) -> list[str]:
    """Names of the intake fields in which ``intake`` differs from the report that made
    ``case`` (empty: the same report)."""
    first = _report_payload(session, case)
    sent = intake.model_dump(mode="json")
    out = [name for name in _COLUMNS if sent[name] != getattr(case, name)]
    if intake.kind.value != case.kind:
        out.append("kind")
    for name in _REPORTED:
        if sent[name] != first.get(name):
            out.append(name)
    if reporter_of(intake, principal) != case.reporter:
        out.append("reporter")
    grid, unit = _codes(session, case)
    if (intake.grid is not None or intake.unit is None) and intake.grid != grid:
        out.append("grid")
    if intake.unit != unit:
        out.append("unit")
    if intake.reported_at is not None:
        before = first.get("reported_at_sent") or case.reported_at.astimezone(UTC).isoformat()
        if intake.reported_at.astimezone(UTC).isoformat() != before:
            out.append("reported_at")
    return sorted(out)


def _report_payload(session: Session, case: Case) -> dict[str, Any]:
    payload = session.scalar(
        sa.select(CaseEvent.payload).where(CaseEvent.case_id == case.id, CaseEvent.seq == 1)
    )
    return dict(payload or {})


def _codes(session: Session, case: Case) -> tuple[str | None, str | None]:
    grid = session.scalar(sa.select(Grid.code).where(Grid.id == case.grid_id)) if case.grid_id else None
    unit = session.scalar(sa.select(Unit.code).where(Unit.id == case.unit_id)) if case.unit_id else None
    return grid, unit
