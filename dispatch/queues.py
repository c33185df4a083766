"""What a scope holds, for the desk's overview: every open case of the subtree (全部在办) and the
late ones (已超期), listed and counted in SQL.

What awaits *this account's* action (to accept, dispatch, sign, verify …) is the inbox,
:mod:`dispatch.desk.inbox`; finding one case is :mod:`dispatch.desk.search`; finished cases
are :mod:`dispatch.desk.archive`. These views only answer "what is open down there".

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
from dispatch.rollup.tables import is_overdue_sql
from dispatch.types import TERMINAL_STATES, TICKING_STATES, CaseState

MAX_ROWS = 200


@dataclass(frozen=True)
class Queue:
    """One view: cases in ``states``, and with ``overdue``, only those past their deadline."""

    key: str
    states: tuple[str, ...]
    overdue: bool = False

    def conditions(self, now: datetime) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = [Case.state.in_(self.states)]
        if self.overdue:  # the KPIs' rule: a resolution made in time is not late
            out.append(is_overdue_sql(Case, now))
        return out


_OPEN = tuple(s.value for s in CaseState if s not in TERMINAL_STATES)
#: The scope's views, in menu order.
QUEUES: tuple[Queue, ...] = (
    Queue("all_open", _OPEN),
    Queue("overdue", tuple(sorted(s.value for s in TICKING_STATES)), overdue=True),
)
BY_KEY: dict[str, Queue] = {q.key: q for q in QUEUES}


def _in_scope(principal: Principal, scope_path: str) -> sa.ColumnElement[bool]:
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    return subtree_filter(Case.owning_path, scope_path)


def queue_page(
    session: Session, principal: Principal, scope_path: str, queue: Queue, *,
    limit: int = 50, offset: int = 0, now: datetime | None = None,
) -> CasePage:
    """``limit`` cases of ``queue`` in the scope from ``offset``, newest first, and how many
    there are in all."""
    where = [_in_scope(principal, scope_path), *queue.conditions(now or datetime.now(UTC))]
    total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    items = session.scalars(
        sa.select(Case).where(*where)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(max(1, min(limit, MAX_ROWS))).offset(max(0, offset))
    )  # fmt: skip
    return CasePage(list(items), int(total))


def queue_counts(
    session: Session, principal: Principal, scope_path: str, now: datetime | None = None
) -> dict[str, int]:
    """How many cases each view holds in the scope (one query)."""
    now = now or datetime.now(UTC)
    columns = [
        sa.func.count().filter(sa.and_(*queue.conditions(now))).label(queue.key)
        for queue in QUEUES
    ]
    row = session.execute(
        sa.select(*columns).select_from(Case).where(_in_scope(principal, scope_path))
    ).one()
    return {queue.key: int(row._mapping[queue.key] or 0) for queue in QUEUES}


__all__ = ["BY_KEY", "MAX_ROWS", "QUEUES", "Queue", "queue_counts", "queue_page"]
