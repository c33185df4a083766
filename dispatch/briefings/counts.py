"""Matters of a subtree counted by a case column (kind, channel, grid …) over a period:
reported, accepted and closed in it, and overdue — each as ``dispatch.kpi`` defines it, so the
rows of a breakdown add up to the KPI answer's totals.

Overdue follows the KPI answer: for a period still running, open cases past their deadline
with the handler's clock running, as of ``now``; for a finished one, the cases overdue at the
period's end (those closed or suspended later still count). Both are stated here in SQL over
the case columns, the same conditions :func:`dispatch.rollup.counters.overdue_span` applies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import Case
from dispatch.registry import subtree_filter
from dispatch.types import CaseState

S = CaseState
_CHECKED = [s.value for s in (S.RESOLVED, S.VERIFIED, S.VISITED)]
_HANDLING = [s.value for s in (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.HANDLING)]
_OPEN_TICKING = [*_HANDLING, *_CHECKED]

#: Keys of a breakdown row, in order.
FLOW = ("reported", "accepted", "closed", "overdue")


def _resolved_in_time() -> Any:
    return sa.and_(Case.resolved_at.is_not(None), Case.resolved_at <= Case.due_at)


def _plain(column: Any) -> Any:
    """``column`` in an expression no index serves (``coalesce(c, c)`` is ``c``), to keep the
    planner on the selective index of a query: SQLite's statistics have no histograms and
    would otherwise walk the deadline index over every case due before a date."""
    return sa.func.coalesce(column, column)


def overdue_branches(start: datetime, end: datetime, now: datetime) -> list[Any]:
    """Disjoint conditions (by state) whose union is the cases the KPI answer counts
    overdue for the period ``[start, end)``: each one is served by an index (``state`` for
    the few open cases, ``closed_at`` for those closed after a finished period's end), so no
    query scans the cases whose deadline merely lies in the past."""
    due = _plain(Case.due_at)
    if end > now:  # still running: overdue now
        return [
            sa.and_(Case.state.in_(_HANDLING), due < now),
            sa.and_(Case.state.in_(_CHECKED), due < now, sa.not_(_resolved_in_time())),
        ]
    on_time = sa.func.coalesce(Case.resolved_at, Case.closed_at) <= Case.due_at
    return [
        sa.and_(Case.state.in_(_HANDLING), due < end),
        sa.and_(Case.state.in_(_CHECKED), due < end, sa.not_(_resolved_in_time())),
        sa.and_(
            _plain(Case.state) == S.CLOSED.value,
            Case.closed_at >= end,
            due < end,
            Case.closed_at > Case.due_at,
            sa.not_(on_time),
        ),
        sa.and_(
            Case.state == S.SUSPENDED.value,
            due < end,
            Case.suspended_at > Case.due_at,
            Case.suspended_at >= end,
        ),
    ]


def overdue_condition(start: datetime, end: datetime, now: datetime) -> Any:
    """The union of :func:`overdue_branches` as one condition."""
    return sa.or_(*overdue_branches(start, end, now))


def few(scope_path: str) -> Any:
    """The subtree filter for queries that select by state (open cases, closed after a
    date): the path is wrapped in an expression no index serves, so the planner takes the
    selective index instead of scanning the subtree by path (SQLite's statistics have no
    histograms; see :func:`dispatch.kpi_raw.open_groups`)."""
    return subtree_filter(sa.func.coalesce(Case.owning_path, ""), scope_path)


def flow_by(
    session: Session,
    scope_path: str,
    start: datetime,
    end: datetime,
    now: datetime,
    keys: Sequence[Any],
) -> dict[tuple[Any, ...], dict[str, int]]:
    """``{key values: {reported, accepted, closed, overdue}}`` of the subtree grouped by the
    columns ``keys``: grouped queries each served by its own index (path and report time,
    acceptance time, closing time, state)."""
    inside = subtree_filter(Case.owning_path, scope_path)
    closed = sa.and_(Case.state == S.CLOSED.value, Case.closed_at >= start, Case.closed_at < end)
    wheres = [
        ("reported", inside, sa.and_(Case.reported_at >= start, Case.reported_at < end)),
        ("accepted", inside, sa.and_(Case.accepted_at >= start, Case.accepted_at < end)),
        ("closed", inside, closed),
        *(("overdue", few(scope_path), b) for b in overdue_branches(start, end, now)),
    ]
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for name, scope, where in wheres:
        rows = session.execute(
            sa.select(*keys, sa.func.count()).where(scope, where).group_by(*keys)
        ).all()
        for *key, n in rows:
            row = out.setdefault(tuple(key), dict.fromkeys(FLOW, 0))
            row[name] += int(n)
    return out


def rollup(
    flows: dict[tuple[Any, ...], dict[str, int]], index: int
) -> dict[Any, dict[str, int]]:
    """Sum a breakdown over every key column but ``index``."""
    out: dict[Any, Counter[str]] = {}
    for key, row in flows.items():
        out.setdefault(key[index], Counter()).update(row)
    return {k: {f: int(v[f]) for f in FLOW} for k, v in out.items()}
