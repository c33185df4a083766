"""Reads of cases for a scope: lists with filters, timelines, orders, replay checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from dispatch.effects import snapshot
from dispatch.errors import Forbidden
from dispatch.models import Case, CaseEvent, DispatchOrder
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.rollup.tables import is_overdue_sql
from dispatch.trail import replay


@dataclass
class CasePage:
    items: list[Case]
    total: int


def list_cases(
    session: Session,
    principal: Principal,
    scope_path: str,
    *,
    states: list[str] | None = None,
    risk: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
    overdue: bool | None = None,
    reported_from: datetime | None = None,
    reported_to: datetime | None = None,
    q: str | None = None,
    grid_id: int | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> CasePage:
    """Cases owned within ``scope_path``'s subtree, newest first; ``grid_id`` / ``unit_id``
    keep those located in that grid or 十联户 unit."""
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    where = [subtree_filter(Case.owning_path, scope_path)]
    if states:
        where.append(Case.state.in_(states))
    for column, value in ((Case.risk, risk), (Case.kind, kind), (Case.channel, channel)):
        if value:
            where.append(column == value)
    if grid_id is not None:
        where.append(Case.grid_id == grid_id)
    if unit_id is not None:
        where.append(Case.unit_id == unit_id)
    if overdue is not None:
        # The KPIs' rule (dispatch.rollup.tables): a resolution made in time is not late.
        late = is_overdue_sql(Case, now or datetime.now(UTC))
        where.append(late if overdue else sa.not_(late))
    if reported_from:
        where.append(Case.reported_at >= reported_from)
    if reported_to:
        where.append(Case.reported_at < reported_to)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Case.title.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    items = session.scalars(
        sa.select(Case)
        .where(*where)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return CasePage(list(items), int(total))


def timeline(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def orders_of(session: Session, case_id: int) -> list[DispatchOrder]:
    return list(
        session.scalars(
            sa.select(DispatchOrder)
            .options(selectinload(DispatchOrder.department), selectinload(DispatchOrder.center))
            .where(DispatchOrder.case_id == case_id)
            .order_by(DispatchOrder.id)
        )
    )


def replay_case(session: Session, case_id: int) -> dict[str, Any]:
    """The workflow columns rebuilt from the audit trail alone."""
    return replay(timeline(session, case_id))


def replay_matches(session: Session, case: Case) -> bool:
    return replay_case(session, case.id) == snapshot(case)
