"""The duty roster (值班表): shifts per center, who is on duty at a moment, and its edits.

A shift names an account (``username``) on duty at one center from ``starts_at`` to
``ends_at``, as ``duty_officer`` (值班员) or ``leader`` (带班领导). The escalation notifies the
people on duty at the moment of each step. The center's duty officers and leaders (or those of
a center above it, or an administrator) may edit its roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.models import Center, DutyShift
from dispatch.principal import Principal, Role

DUTY_ROLES = ("duty_officer", "leader")
#: Roles of accounts that may edit a center's roster (its own or one below their center).
EDITORS = (Role.DUTY_OFFICER, Role.LEADER)
MAX_SHIFT = timedelta(days=7)


@dataclass(frozen=True)
class ShiftInput:
    """One row of a roster edit, checked by :func:`save_roster`."""

    username: str
    role: str
    starts_at: datetime
    ends_at: datetime


def may_edit(principal: Principal, center_path: str) -> bool:
    """The one rule, asked by the page before it offers editing and by :func:`save_roster`."""
    return (
        principal.sees(center_path)
        and principal.allowed_actions is None  # accounts only, not API tokens
        and principal.has(*EDITORS)
    )


def _center(session: Session, center_path: str) -> Center:
    center = session.scalar(sa.select(Center).where(Center.path == center_path))
    if center is None:
        raise NotFound("center", center_path)
    return center


def shifts(session: Session, center_path: str, start: datetime, end: datetime) -> list[DutyShift]:
    """Shifts of the center overlapping ``[start, end)``, in time order."""
    center = _center(session, center_path)
    return list(
        session.scalars(
            sa.select(DutyShift)
            .where(
                DutyShift.center_id == center.id,
                DutyShift.starts_at < end,
                DutyShift.ends_at > start,
            )
            .order_by(DutyShift.starts_at, DutyShift.id)
        )
    )


def on_duty(session: Session, center_path: str, at: datetime) -> list[str]:
    """Usernames on duty at the center at ``at``: duty officers first, then leaders."""
    rows = session.execute(
        sa.select(DutyShift.username, DutyShift.role)
        .join(Center, Center.id == DutyShift.center_id)
        .where(Center.path == center_path, DutyShift.starts_at <= at, DutyShift.ends_at > at)
        .order_by(DutyShift.starts_at, DutyShift.id)
    ).all()
    ranked = sorted(rows, key=lambda r: DUTY_ROLES.index(r.role) if r.role in DUTY_ROLES else 9)
    return list(dict.fromkeys(username for username, _role in ranked))


def save_roster(
    session: Session,
    principal: Principal,
    center_path: str,
    start: datetime,
    end: datetime,
    rows: list[ShiftInput],
) -> list[DutyShift]:
    """Replace the center's shifts that start within ``[start, end)`` by ``rows``."""
    if not may_edit(principal, center_path):
        raise Forbidden(
            "editing a duty roster needs the duty officer or leader role at this center "
            "or one above it"
        )
    for i, row in enumerate(rows):
        name = row.username.strip()
        if not name or len(name) > 64:
            raise InvalidInput(f"rows[{i}].username", "a name of 1–64 characters is required")
        if row.role not in DUTY_ROLES:
            raise InvalidInput(f"rows[{i}].role", f"one of {', '.join(DUTY_ROLES)}")
        if row.starts_at.tzinfo is None or row.ends_at.tzinfo is None:
            raise InvalidInput(f"rows[{i}]", "times need a time zone")
        if not row.starts_at < row.ends_at <= row.starts_at + MAX_SHIFT:
            raise InvalidInput(f"rows[{i}].ends_at", "after the start, at most 7 days later")
    center = _center(session, center_path)
    session.execute(
        sa.delete(DutyShift).where(
            DutyShift.center_id == center.id,
            DutyShift.starts_at >= start,
            DutyShift.starts_at < end,
        )
    )
    saved = [
        DutyShift(
            center_id=center.id, username=row.username.strip(), role=row.role,
            starts_at=row.starts_at, ends_at=row.ends_at, updated_by=principal.actor,
        )
        for row in rows
    ]
    session.add_all(saved)
    session.flush()
    return saved


__all__ = ["DUTY_ROLES", "ShiftInput", "may_edit", "on_duty", "save_roster", "shifts"]
