"""The duplicate hint beside the desk's intake form: open cases that may be the same matter.

The report itself, with its intake details (address, 十联户 unit, reporter's phone, sub-kind),
is filed by :func:`dispatch.cases.report_case`, the one way a case is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.desk.phone import mask_phone, normalize_phone
from dispatch.models import Case, Center, Grid
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.types import OPEN_STATES

#: How far back the duplicate hint looks.
DUPLICATE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class DuplicateHint:
    """An open case that may be the same matter, and why it is suggested."""

    id: int
    number: str
    title: str
    state: str
    reported_at: datetime
    center_name: str
    reporter_phone_masked: str
    address: str | None
    same_phone: bool
    same_address: bool
    same_grid: bool


def duplicate_hints(
    session: Session,
    principal: Principal,
    *,
    phone: str | None = None,
    address: str | None = None,
    grid: str | None = None,
    now: datetime | None = None,
    limit: int = 10,
) -> list[DuplicateHint]:
    """Open cases in the principal's subtree reported in the last 30 days with the same phone,
    address or grid (grid code) as a report being typed in, newest first. An unusable phone is
    ignored (the form shows its own error)."""
    now = now or datetime.now(UTC)
    try:
        phone = normalize_phone(phone) if phone else None
    except ValueError:
        phone = None
    address = address.strip() if address and address.strip() else None
    grid_id = session.scalar(sa.select(Grid.id).where(Grid.code == grid)) if grid else None
    matches = []
    if phone:
        matches.append(Case.reporter_phone == phone)
    if address:
        matches.append(Case.address == address)
    if grid_id is not None:
        matches.append(Case.grid_id == grid_id)
    if not matches:
        return []
    rows = session.execute(
        sa.select(
            Case.id, Case.number, Case.title, Case.state, Case.reported_at, Center.name,
            Case.reporter_phone, Case.address, Case.grid_id,
        )
        .join(Center, Center.id == Case.center_id)
        .where(
            subtree_filter(Case.owning_path, principal.center_path),
            Case.state.in_(sorted(s.value for s in OPEN_STATES)),
            Case.reported_at >= now - DUPLICATE_WINDOW,
            sa.or_(*matches),
        )
        .order_by(Case.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [
        DuplicateHint(
            r.id, r.number or "", r.title, r.state, r.reported_at, r.name,
            mask_phone(r.reporter_phone), r.address,
            bool(phone) and r.reporter_phone == phone,
            bool(address) and r.address == address,
            grid_id is not None and r.grid_id == grid_id,
        )
        for r in rows
    ]  # fmt: skip
