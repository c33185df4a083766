"""KPIs by place: one grid (broken down by its 十联户 units) or a scope broken down by grid.

A case is located by its ``grid_id`` / ``unit_id`` (where it happened), and counted where the
principal's scope holds it (``owning_path`` in the scope's subtree, as every KPI answer does).
The figures are those of :func:`dispatch.kpi.compute_kpis`: the same per-case contribution
(:func:`dispatch.rollup.counters.contribution`) and the same arithmetic
(:func:`dispatch.kpi_figures.figures`), read from the located cases themselves: a grid holds a
few hundred cases a year, so no rollup is kept per grid. Read are the cases that could count in
the period (reported before its end and not closed before its start) and the open ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.grids import Place
from dispatch.kpi import DEFINITIONS, day_range
from dispatch.kpi_figures import OPEN_KEYS, figures
from dispatch.localtime import TZ
from dispatch.models import Case, Grid, Unit
from dispatch.registry import center_by_path, subtree_filter
from dispatch.rollup import INDEX, N, day_date, local_midnight
from dispatch.rollup.counters import contribution, facts_of
from dispatch.rollup.tables import late_from
from dispatch.types import OPEN_STATES, CaseState

By = Literal["grid", "unit"]
_OPEN = frozenset(s.value for s in OPEN_STATES)
_REPORTED, _CLOSED = INDEX["reported"], INDEX["closed"]
_IN, _OUT = INDEX["overdue_in"], INDEX["overdue_out"]


def place_kpis(
    session: Session,
    scope_path: str,
    start: datetime,
    end: datetime,
    *,
    place: Place | None = None,
    by: By = "unit",
    now: datetime | None = None,
) -> dict[str, Any]:
    """KPIs of the cases located in ``place`` (a grid, or a unit of it) and held in
    ``scope_path``'s subtree, over the local days covering ``[start, end)``; ``children`` break
    them down ``by`` unit (code ``""``: no unit given) or by grid (code ``""``: not located).
    Without ``place``, every case of the scope counts (``by="grid"`` then lists its grids).
    The answer has the shape of :func:`dispatch.kpi.compute_kpis`'s, with ``grid`` and
    ``unit`` naming the place and ``by`` the breakdown."""
    now = now or datetime.now(UTC)
    center = center_by_path(session, scope_path)
    d0, d1 = day_range(start, end)
    period_end, period_start = local_midnight(d1), local_midnight(d0)
    cut = min(now, period_end)
    finished = period_end <= now
    # For one place the grid's index is the narrow one: the path is wrapped in an expression
    # no index serves, so SQLite's planner (no histograms) does not walk the path index.
    path = sa.func.coalesce(Case.owning_path, "") if place is not None else Case.owning_path
    where: list[Any] = [subtree_filter(path, scope_path)]
    if place is not None:
        where.append(Case.grid_id == place.grid_id)
        if place.unit_id is not None:
            where.append(Case.unit_id == place.unit_id)
    alive = sa.and_(
        Case.reported_at < period_end,
        sa.or_(Case.closed_at.is_(None), Case.closed_at >= period_start),
    )
    cases = session.scalars(
        sa.select(Case).where(*where, sa.or_(alive, Case.state.in_(sorted(_OPEN))))
    ).all()
    flow: dict[int | None, list[int]] = {}
    opened: dict[int | None, dict[str, int]] = {}
    trend: dict[int, list[int]] = {}
    for case in cases:
        key = case.unit_id if by == "unit" else case.grid_id
        row = flow.setdefault(key, [0] * N)
        overdue_at_end = 0
        for day, index, amount in contribution(facts_of(case)):
            if d0 <= day < d1:
                row[index] += amount
                if index in (_REPORTED, _CLOSED):
                    trend.setdefault(day, [0, 0])[index == _CLOSED] += amount
            if day < d1 and index in (_IN, _OUT):
                overdue_at_end += amount if index == _IN else -amount
        if case.state in _OPEN or (finished and overdue_at_end):
            counts = opened.setdefault(key, {k: 0 for k in OPEN_KEYS})
            if case.state in _OPEN:
                _count_open(counts, case, cut, finished)
            if finished:
                counts["overdue"] += overdue_at_end
    names = _names(session, by, {k for k in (*flow, *opened) if k is not None})
    children = [
        {"code": code, "name": name, "own": key is None}
        | figures(flow.get(key, [0] * N), opened.get(key))
        for key, (code, name) in sorted(names.items(), key=lambda kv: kv[1][0])
    ]
    if None in flow or None in opened:
        children.append({"code": "", "name": "", "own": True}
                        | figures(flow.get(None, [0] * N), opened.get(None)))
    total = [sum(v[i] for v in flow.values()) for i in range(N)]
    total_open = {k: sum(c[k] for c in opened.values()) for k in OPEN_KEYS}
    return {
        "scope": scope_path,
        "center": {"code": center.code, "name": center.name, "level": center.level},
        "grid": {"code": place.grid_code, "name": place.grid_name} if place else None,
        "unit": place.unit_code if place else None,
        "by": by,
        "from": period_start.isoformat(),
        "to": period_end.isoformat(),
        "now": now.isoformat(),
        "timezone": TZ.name,
        "as_of_period_end": finished,
        "definitions": DEFINITIONS,
        **figures(total, total_open),
        "children": children,
        "trend": [
            {"day": day_date(d).isoformat(), "reported": r, "closed": c}
            for d in range(d0, d1)
            for r, c in [trend.get(d, [0, 0])]
        ],
    }


def _count_open(counts: dict[str, int], case: Case, cut: datetime, finished: bool) -> None:
    counts["open"] += 1
    counts[case.risk] = counts.get(case.risk, 0) + 1
    suspended = case.state == CaseState.SUSPENDED.value
    counts["suspended"] += suspended
    late = late_from(case)
    if not finished and not suspended and late is not None and late < cut:
        counts["overdue"] += 1


def _names(session: Session, by: By, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    table: Any = Unit if by == "unit" else Grid
    label: Sequence[Any] = (Unit.code, Unit.head) if by == "unit" else (Grid.code, Grid.name)
    rows = session.execute(sa.select(table.id, *label).where(table.id.in_(sorted(ids)))).all()
    return {i: (code, name) for i, code, name in rows}


__all__ = ["By", "place_kpis"]
