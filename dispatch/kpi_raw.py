"""KPI inputs read from the cases themselves, without the rollup table.

:func:`open_groups` is what every KPI answer uses for open-case figures (counted in the
database, through the index on ``state``: open cases are few). :func:`flow_counters` recomputes the daily counters of a subtree from its
cases (the fallback when a database has no rollup table). :func:`naive_kpis` is the approach
the rollup replaces, one aggregate query per child center, kept as the benchmark baseline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.kpi_figures import figures, open_counts
from dispatch.models import Case, Center
from dispatch.registry import center_by_path, subtree_filter
from dispatch.rollup import (
    INDEX,
    Accumulator,
    N,
    case_facts,
    day_date,
    kpi_daily,
    kpi_open,
    local_midnight,
    rollups_present,
)
from dispatch.rollup.counters import LEVEL_COUNTERS
from dispatch.rollup.tables import late_from_sql
from dispatch.types import OPEN_STATES, SATISFIED_VALUES, CaseState

OPEN = sorted(s.value for s in OPEN_STATES)
#: The closed-case counters the plain aggregate selects, in its column order.
CLOSED_COLUMNS = ("closed", "closed_on_time", "reworked", "extended", "visits", "satisfied")


#: ``(owning_path, risk, suspended, overdue, count)``: open cases grouped in the database.
OpenGroup = tuple[str, str, bool, bool, int]


def open_groups(session: Session, scope_path: str, cut: datetime) -> list[OpenGroup]:
    """Open cases of the subtree counted by center, risk, suspended and overdue (due before
    ``cut``, not suspended, and not resolved in time awaiting 核查): the database does the counting, a few hundred rows come back.

    Reads :data:`dispatch.rollup.kpi_open` (the open cases alone) when the database has it,
    else the cases themselves."""
    if rollups_present(session.connection()):
        t: Any = kpi_open.c
        where = []
        late_from = t.late_from
    else:
        t = Case.__table__.c
        where = [t.state.in_(OPEN)]
        late_from = late_from_sql(t)
    suspended = sa.case((t.state == CaseState.SUSPENDED.value, 1), else_=0)
    # Overdue: past the deadline and the handler's clock still running (not suspended, and not
    # a resolution made in time that awaits 核查).
    overdue = sa.case(
        (sa.and_(t.state != CaseState.SUSPENDED.value, late_from < cut), 1), else_=0
    )
    # SQLite's statistics (no histograms) take open states for common ones and would scan
    # every case through the path index to group by path; open cases are few, so the path is
    # wrapped in an expression no index serves, which leaves the index on ``state``.
    path = sa.func.coalesce(t.owning_path, "")
    rows = session.execute(
        sa.select(path, t.risk, suspended, overdue, sa.func.count())
        .where(*where, subtree_filter(path, scope_path))
        .group_by(path, t.risk, suspended, overdue)
    ).all()
    return [(p, r, bool(s), bool(o), int(n)) for p, r, s, o, n in rows]


def flow_counters(
    session: Session, scope_path: str, d0: int, d1: int
) -> tuple[dict[str, list[int]], dict[int, tuple[int, int]]]:
    """Per-child counters and the daily trend over local days ``[d0, d1)``, from the cases."""
    acc = Accumulator()
    for facts in case_facts(session, [subtree_filter(Case.owning_path, scope_path)]):
        acc.add(facts)
    by_child: dict[str, list[int]] = {}
    trend: dict[int, tuple[int, int]] = {}
    for (scope, child, day), v in acc.rows().items():
        if scope != scope_path or not d0 <= day < d1:
            continue
        row = by_child.setdefault(child, [0] * N)
        for i, x in enumerate(v):
            row[i] += x
        r, c = trend.get(day, (0, 0))
        trend[day] = (r + v[INDEX["reported"]], c + v[INDEX["closed"]])
    return by_child, trend


def overdue_as_of(session: Session, scope_path: str, d1: int) -> dict[str, int]:
    """Cases of the subtree overdue at the start of local day ``d1`` (a finished period's
    end), per child (``""``: held at the scope itself): those that became overdue before and
    had not stopped being overdue by then (``overdue_in`` less ``overdue_out`` over every day
    before ``d1``). A case closed later still counts: the figures of a finished period stay as
    they were at its end."""
    if rollups_present(session.connection()):
        c = kpi_daily.c
        rows = session.execute(
            sa.select(c.child, sa.func.sum(c.overdue_in) - sa.func.sum(c.overdue_out))
            .where(c.scope == scope_path, c.day < day_date(d1))
            .group_by(c.child)
        ).all()
        return {child: int(n or 0) for child, n in rows if n}
    acc = Accumulator()
    for facts in case_facts(session, [subtree_filter(Case.owning_path, scope_path)]):
        acc.add(facts)
    out: dict[str, int] = {}
    for (scope, child, day), v in acc.rows().items():
        if scope == scope_path and day < d1:
            out[child] = out.get(child, 0) + v[INDEX["overdue_in"]] - v[INDEX["overdue_out"]]
    return {k: n for k, n in out.items() if n}


def _aggregate(session: Session, path: str, start: datetime, end: datetime) -> list[int]:
    """One center's flow counters by plain SQL over its subtree (no histogram)."""
    inside = subtree_filter(Case.owning_path, path)
    closed = sa.and_(
        Case.state == CaseState.CLOSED.value, Case.closed_at >= start, Case.closed_at < end
    )
    if session.get_bind().dialect.name == "postgresql":
        elapsed: Any = sa.func.extract("epoch", Case.closed_at - Case.reported_at)
    else:
        elapsed = (sa.func.julianday(Case.closed_at) - sa.func.julianday(Case.reported_at)) * 86400
    seconds = sa.func.coalesce(sa.func.sum(elapsed - Case.paused_seconds), 0)

    def n(cond: Any, value: Any = 1) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)

    reported = session.execute(
        sa.select(
            sa.func.count(),
            n(Case.state == CaseState.CLOSED.value),
        ).where(inside, Case.reported_at >= start, Case.reported_at < end)
    ).one()
    accepted = session.scalar(
        sa.select(sa.func.count()).where(inside, Case.accepted_at >= start, Case.accepted_at < end)
    )
    sat = [v.value for v in SATISFIED_VALUES]
    c = session.execute(
        sa.select(
            sa.func.count(),
            n(sa.func.coalesce(Case.resolved_at, Case.closed_at) <= Case.due_at),
            n(Case.rework_count > 0),
            n(Case.extension_count > 0),
            sa.func.coalesce(sa.func.sum(1 + Case.redo_count), 0),
            n(Case.satisfaction.in_(sat)),
            seconds,
            *(n(Case.handled_level == lvl) for lvl in (1, 2, 3, 4)),
        ).where(inside, closed)
    ).one()
    named = {
        "reported": int(reported[0]),
        "reported_closed": int(reported[1]),
        "accepted": int(accepted or 0),
        **dict(zip(CLOSED_COLUMNS, (int(x) for x in c[:6]), strict=True)),
        "handling_seconds": round(float(c[6])),
        **dict(zip(LEVEL_COUNTERS, (int(x) for x in c[7:11]), strict=True)),
    }
    v = [0] * N
    for name, value in named.items():
        v[INDEX[name]] = value
    return v


def naive_kpis(
    session: Session, scope_path: str, d0: int, d1: int, now: datetime
) -> dict[str, Any]:
    """The baseline: the scope and each child center queried one after the other."""
    center = center_by_path(session, scope_path)
    start, end = local_midnight(d0), local_midnight(d1)
    kids = session.execute(
        sa.select(Center.code, Center.path).where(Center.parent_id == center.id)
    ).all()
    cut = min(now, end)
    out = {}
    for code, path in [(center.code, scope_path), *kids]:
        opened = open_counts(open_groups(session, path, cut), path)
        total_open = {
            k: sum(c[k] for c in opened.values())
            for k in ("open", "overdue", "suspended", "high", "medium", "low")
        }
        out[code] = figures(_aggregate(session, path, start, end), total_open)
    return out
