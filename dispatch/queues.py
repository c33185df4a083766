"""The dispatch desk's work queues for a scope: what needs this scope's action, in the order
work flows, listed and counted in SQL.

Every read takes the caller's principal and the scope path it asked for, and refuses a scope
outside the principal's subtree (:class:`~dispatch.errors.Forbidden`), as the case list does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import Forbidden
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.queries import CasePage
from dispatch.registry import subtree_filter
from dispatch.types import TICKING_STATES, CaseState

MAX_ROWS = 1000


@dataclass(frozen=True)
class Queue:
    """One queue: cases in ``states`` (any state when None), late or not (``overdue``), and
    with ``returned``, only those a department sent back at least once."""

    key: str
    states: tuple[str, ...] | None = None
    overdue: bool | None = None
    returned: bool = False

    def conditions(self, now: datetime) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if self.states is not None:
            out.append(Case.state.in_(self.states))
        if self.overdue is not None:
            late = sa.and_(Case.state.in_(sorted(s.value for s in TICKING_STATES)), Case.due_at < now)
            out.append(late if self.overdue else sa.not_(late))
        if self.returned:
            out.append(Case.return_count > 0)
        return out


_CLOSED = (CaseState.CLOSED, CaseState.REFUSED, CaseState.MERGED)
#: The desk's queues, in the order work flows.
QUEUES: tuple[Queue, ...] = (
    Queue("to_accept", (CaseState.REPORTED.value,)),
    Queue("to_dispatch", (CaseState.ACCEPTED.value,)),
    Queue("returned", (CaseState.ACCEPTED.value,), returned=True),
    Queue("overdue", overdue=True),
    Queue("to_verify", (CaseState.RESOLVED.value, CaseState.VERIFIED.value, CaseState.VISITED.value)),
    Queue("all_open", tuple(s.value for s in CaseState if s not in _CLOSED)),
)
BY_KEY: dict[str, Queue] = {q.key: q for q in QUEUES}


def _in_scope(principal: Principal, scope_path: str) -> sa.ColumnElement[bool]:
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    return subtree_filter(Case.owning_path, scope_path)


def _title_contains(q: str) -> sa.ColumnElement[bool]:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Case.title.like(f"%{escaped}%", escape="\\")


def queue_page(
    session: Session, principal: Principal, scope_path: str, queue: Queue, *,
    q: str | None = None, limit: int = 200, now: datetime | None = None,
) -> CasePage:
    """The newest ``limit`` cases of ``queue`` in the scope, and how many there are in all."""
    where = [_in_scope(principal, scope_path), *queue.conditions(now or datetime.now(UTC))]
    if q:
        where.append(_title_contains(q))
    total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    items = session.scalars(
        sa.select(Case).where(*where)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(min(limit, MAX_ROWS))
    )
    return CasePage(list(items), int(total))


def queue_counts(
    session: Session, principal: Principal, scope_path: str, now: datetime | None = None
) -> dict[str, int]:
    """How many cases each queue holds in the scope (one query)."""
    now = now or datetime.now(UTC)
    columns = [
        sa.func.count().filter(sa.and_(sa.true(), *queue.conditions(now))).label(queue.key)
        for queue in QUEUES
    ]
    row = session.execute(
        sa.select(*columns).select_from(Case).where(_in_scope(principal, scope_path))
    ).one()
    return {queue.key: int(row._mapping[queue.key] or 0) for queue in QUEUES}


__all__ = ["BY_KEY", "MAX_ROWS", "QUEUES", "Queue", "queue_counts", "queue_page"]
