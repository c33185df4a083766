"""The archive (归档查询): finished cases (closed, refused, merged) of the caller's subtree,
filtered and paged, with the exact number of matches.

Filters: reporting period (``reported_from`` inclusive, ``reported_to`` exclusive), kind,
sub-kind, channel, risk, the level that resolved it (``handled_level``, 1 prefecture … 4
village), grid (code), satisfaction, state. Order: newest registered first (id descending),
stable across pages; ``offset`` paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.desk.scope import within
from dispatch.errors import Forbidden, InvalidInput
from dispatch.models import Case, Center, Grid
from dispatch.principal import Principal
from dispatch.types import TERMINAL_STATES

MAX_LIMIT = 200
FINISHED: tuple[str, ...] = tuple(sorted(s.value for s in TERMINAL_STATES))


@dataclass(frozen=True)
class ArchiveFilter:
    """What to list; None means any. ``scope_path`` narrows to a center below the caller's."""

    scope_path: str | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    kind: str | None = None
    sub_kind: str | None = None
    channel: str | None = None
    risk: str | None = None
    handled_level: int | None = None
    grid: str | None = None
    satisfaction: str | None = None
    state: str | None = None  # one of closed, refused, merged

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in FINISHED:
            raise InvalidInput("state", f"must be one of {', '.join(FINISHED)}")
        if self.handled_level is not None and not 1 <= self.handled_level <= 4:
            raise InvalidInput("handled_level", "must be between 1 and 4")


@dataclass(frozen=True)
class ArchivedCase:
    case_id: int
    number: str
    title: str
    kind: str
    sub_kind: str | None
    channel: str
    risk: str
    state: str
    center_name: str  # the owning center
    grid_name: str | None
    handled_level: int | None
    satisfaction: str | None
    reported_at: datetime
    closed_at: datetime | None  # None for refused and merged cases
    on_time: bool | None  # closed by its deadline (None when not closed)


@dataclass(frozen=True)
class ArchivePage:
    items: list[ArchivedCase]
    total: int
    limit: int
    offset: int


def archive_page(
    session: Session,
    principal: Principal,
    filters: ArchiveFilter | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> ArchivePage:
    """One page of finished cases and how many match in all. Raises Forbidden when
    ``filters.scope_path`` lies outside the principal's subtree."""
    f = filters or ArchiveFilter()
    scope = f.scope_path or principal.center_path
    if not principal.sees(scope):
        raise Forbidden(f"scope {scope} is outside your center")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    where = [within(session, Case.owning_path, scope)]
    where.append(Case.state == f.state if f.state else Case.state.in_(FINISHED))
    for column, value in (
        (Case.kind, f.kind), (Case.sub_kind, f.sub_kind), (Case.channel, f.channel),
        (Case.risk, f.risk), (Case.handled_level, f.handled_level),
        (Case.satisfaction, f.satisfaction),
    ):  # fmt: skip
        if value is not None:
            where.append(column == value)
    if f.reported_from is not None:
        where.append(Case.reported_at >= f.reported_from)
    if f.reported_to is not None:
        where.append(Case.reported_at < f.reported_to)
    if f.grid is not None:
        where.append(
            Case.grid_id == sa.select(Grid.id).where(Grid.code == f.grid).scalar_subquery()
        )
    total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    rows = session.execute(
        sa.select(
            Case.id, Case.number, Case.title, Case.kind, Case.sub_kind, Case.channel, Case.risk,
            Case.state, Center.name.label("center_name"), Grid.name.label("grid_name"),
            Case.handled_level, Case.satisfaction, Case.reported_at, Case.closed_at, Case.due_at,
        )
        .join(Center, Center.id == Case.center_id)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .where(*where)
        .order_by(Case.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()  # fmt: skip
    items = [
        ArchivedCase(
            case_id=r.id, number=r.number or "", title=r.title, kind=r.kind,
            sub_kind=r.sub_kind, channel=r.channel, risk=r.risk, state=r.state,
            center_name=r.center_name, grid_name=r.grid_name, handled_level=r.handled_level,
            satisfaction=r.satisfaction, reported_at=r.reported_at, closed_at=r.closed_at,
            on_time=(r.closed_at <= r.due_at if r.closed_at and r.due_at else None),
        )
        for r in rows
    ]  # fmt: skip
    return ArchivePage(items, int(total), limit, offset)
