"""What a periodic assessment (周研判, monthly, quarterly) adds to the day's figures: the period
against the previous one and the same period a year before, kinds and places rising, repeat
addresses and reporters (phones masked), overdue matters by age and the risk grades' moves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.briefings.counts import few, flow_by, overdue_branches
from dispatch.briefings.model import Cell, Column, Table
from dispatch.desk.phone import mask_phone
from dispatch.models import Case, Center, Grid
from dispatch.registry import subtree_filter
from dispatch.types import OPEN_STATES, CaseKind, Risk

COMPARED_COUNTS = ("reported", "accepted", "closed", "closed_on_time", "overdue")
COMPARED_RATES = (
    "closure_rate", "on_time_rate", "rework_rate", "satisfaction_broad_rate",
    "satisfaction_strict_rate",
)  # fmt: skip
#: Upper edges (days past the deadline) of the overdue-age buckets; the last is open-ended.
AGE_EDGES = (1, 3, 7, 15, 30)
AGE_BUCKETS = ("le1", "le3", "le7", "le15", "le30", "gt30")
TOP = 10
REPEAT_LIMIT = 20
_OPEN = sorted(s.value for s in OPEN_STATES)


def change_rate(now: int, before: int) -> float | None:
    """Relative change (−0.3291 for −32.91 %); None without a base."""
    return (now - before) / before if before else None


def points(now: float | None, before: float | None) -> float | None:
    """Difference of two rates (a fraction: 0.0123 is 1.23 percentage points)."""
    return None if now is None or before is None else now - before


def compare_counts(this: dict[str, Any], prev: dict[str, Any], ago: dict[str, Any]) -> Table:
    rows = tuple(
        (
            k, this[k], prev[k], this[k] - prev[k], change_rate(this[k], prev[k]),
            ago[k], this[k] - ago[k], change_rate(this[k], ago[k]),
        )
        for k in COMPARED_COUNTS
    )
    return Table(
        "compare_counts",
        "brief.table.compare_counts",
        (
            Column("figure", "brief.col.figure", "enum:brief.fig"),
            Column("this", "brief.col.this_period"),
            Column("previous", "brief.col.previous_period"),
            Column("change", "brief.col.change", "delta"),
            Column("change_rate", "brief.col.change_rate", "rate"),
            Column("year_ago", "brief.col.year_ago"),
            Column("yoy_change", "brief.col.yoy_change", "delta"),
            Column("yoy_rate", "brief.col.yoy_rate", "rate"),
        ),
        rows,
    )


def compare_rates(this: dict[str, Any], prev: dict[str, Any], ago: dict[str, Any]) -> Table:
    rows = tuple(
        (k, this[k], prev[k], points(this[k], prev[k]), ago[k], points(this[k], ago[k]))
        for k in COMPARED_RATES
    )
    return Table(
        "compare_rates",
        "brief.table.compare_rates",
        (
            Column("figure", "brief.col.figure", "enum:brief.fig"),
            Column("this", "brief.col.this_period", "rate"),
            Column("previous", "brief.col.previous_period", "rate"),
            Column("change", "brief.col.change_points", "points"),
            Column("year_ago", "brief.col.year_ago", "rate"),
            Column("yoy_change", "brief.col.yoy_points", "points"),
        ),
        rows,
    )


def rising_kinds(this: dict[Any, dict[str, int]], prev: dict[Any, dict[str, int]]) -> Table:
    """Every kind's reports this period and last, largest rise first."""
    rows = []
    for kind in CaseKind:
        a = this.get(kind.value, {}).get("reported", 0)
        b = prev.get(kind.value, {}).get("reported", 0)
        rows.append((kind.value, a, b, a - b, change_rate(a, b)))
    rows.sort(key=lambda r: (-r[3], -r[1], r[0]))
    return Table(
        "rising_kinds",
        "brief.table.rising_kinds",
        (
            Column("kind", "brief.col.kind", "enum:kind"),
            Column("this", "brief.col.this_period"),
            Column("previous", "brief.col.previous_period"),
            Column("change", "brief.col.change", "delta"),
            Column("change_rate", "brief.col.change_rate", "rate"),
        ),
        tuple(rows),
    )


def _reported_by(
    session: Session, scope: str, start: datetime, end: datetime, key: Any, *where: Any
) -> dict[Any, int]:
    rows = session.execute(
        sa.select(key, sa.func.count())
        .where(
            subtree_filter(Case.owning_path, scope),
            Case.reported_at >= start,
            Case.reported_at < end,
            sa.func.coalesce(key, key).is_not(None),  # not by the key's index: see _plain
            *where,
        )
        .group_by(key)
    ).all()
    return {k: int(n) for k, n in rows}


def _rising(this: dict[Any, int], prev: dict[Any, int]) -> list[tuple[Any, int, int]]:
    """Keys reported more this period than last, largest rise first (ties: more reports)."""
    up = [(k, n, prev.get(k, 0)) for k, n in this.items() if n > prev.get(k, 0)]
    up.sort(key=lambda r: (-(r[1] - r[2]), -r[1], str(r[0])))
    return up[:TOP]


_PLACE_COLUMNS = (
    Column("this", "brief.col.this_period"),
    Column("previous", "brief.col.previous_period"),
    Column("change", "brief.col.change", "delta"),
)


def rising_grids(
    session: Session, scope: str, period: tuple[datetime, datetime],
    before: tuple[datetime, datetime],
) -> Table:
    """Grids (网格) with more reports than last period: the hot spots, by rise."""
    this = _reported_by(session, scope, *period, Case.grid_id)
    prev = _reported_by(session, scope, *before, Case.grid_id)
    top = _rising(this, prev)
    names = {
        gid: (name, village)
        for gid, name, village in session.execute(
            sa.select(Grid.id, Grid.name, Center.name)
            .join(Center, Grid.center_id == Center.id)
            .where(Grid.id.in_([g for g, _, _ in top]))
        ).all()
    } if top else {}
    return Table(
        "rising_grids",
        "brief.table.rising_grids",
        (
            Column("grid", "brief.col.grid", "text"),
            Column("village", "brief.col.village", "text"),
            *_PLACE_COLUMNS,
        ),
        tuple((*names.get(g, ("", "")), a, b, a - b) for g, a, b in top),
    )


def rising_villages(
    session: Session, scope: str, period: tuple[datetime, datetime],
    before: tuple[datetime, datetime],
) -> Table:
    """Villages and communities (where the matter was reported) with more reports than last
    period, by rise."""
    this = _reported_by(session, scope, *period, Case.reported_center_id)
    prev = _reported_by(session, scope, *before, Case.reported_center_id)
    villages = dict(
        session.execute(
            sa.select(Center.id, Center.name).where(Center.id.in_(list(this)), Center.level == 4)
        ).all()
    ) if this else {}
    top = _rising({k: n for k, n in this.items() if k in villages}, prev)
    return Table(
        "rising_villages",
        "brief.table.rising_villages",
        (Column("village", "brief.col.village", "text"), *_PLACE_COLUMNS),
        tuple((villages[v], a, b, a - b) for v, a, b in top),
    )


def _repeats(
    session: Session, scope: str, start: datetime, end: datetime, key: Any
) -> Sequence[sa.Row[Any]]:
    return session.execute(
        sa.select(
            key, sa.func.count(), sa.func.count(sa.distinct(Case.kind)), sa.func.max(Case.reported_at)
        )
        .where(
            subtree_filter(Case.owning_path, scope),
            Case.reported_at >= start,
            Case.reported_at < end,
            key.is_not(None),
            key != "",
        )
        .group_by(key)
        .having(sa.func.count() >= 2)
        .order_by(sa.func.count().desc(), key)
        .limit(REPEAT_LIMIT)
    ).all()


def repeat_addresses(session: Session, scope: str, start: datetime, end: datetime) -> Table:
    """Addresses reported two or more times in the period (repeat disputes, lasting hazards)."""
    rows = _repeats(session, scope, start, end, Case.address)
    return _repeat_table("repeat_addresses", Column("address", "brief.col.address", "text"), rows, str)


def repeat_reporters(session: Session, scope: str, start: datetime, end: datetime) -> Table:
    """Reporters (by phone, shown masked: 138****5678) with two or more reports in the period."""
    rows = _repeats(session, scope, start, end, Case.reporter_phone)
    return _repeat_table("repeat_reporters", Column("phone", "brief.col.phone_masked", "text"), rows, mask_phone)


def _repeat_table(name: str, first: Column, rows: Sequence[Any], show: Callable[[str], str]) -> Table:
    """A table of repeats: what repeats (shown through ``show``), how often, in how many kinds,
    and when last."""
    return Table(
        name,
        f"brief.table.{name}",
        (first, Column("count", "brief.col.count"), Column("kinds", "brief.col.kinds"),
         Column("last", "brief.col.last_reported", "datetime")),
        tuple((show(v), int(n), int(k), last.isoformat()) for v, n, k, last in rows),
    )


def overdue_age(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> Table:
    """Matters overdue (as the KPI answer counts them for this period) by days past their
    deadline at the period's end (or now, for a period still running), with the high-risk
    ones; the total equals the headline's ``overdue``."""
    cut = min(end, now)
    rows = [
        row
        for branch in overdue_branches(start, end, now)
        for row in session.execute(sa.select(Case.due_at, Case.risk).where(few(scope), branch))
    ]
    counts = {b: [0, 0] for b in AGE_BUCKETS}
    for due, risk in rows:
        days = (cut - due).total_seconds() / 86400
        i = next((n for n, edge in enumerate(AGE_EDGES) if days <= edge), len(AGE_EDGES))
        counts[AGE_BUCKETS[i]][0] += 1
        counts[AGE_BUCKETS[i]][1] += risk == Risk.HIGH.value
    return Table(
        "overdue_age",
        "brief.table.overdue_age",
        (
            Column("age", "brief.col.overdue_age", "enum:brief.age"),
            Column("count", "brief.col.count"),
            Column("high", "brief.col.high"),
        ),
        tuple((b, c[0], c[1]) for b, c in counts.items()),
        ("", sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())),
    )


def risk_moves(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> Table:
    """Per risk grade: matters reported in the period, closed in it, and open now."""
    flows = flow_by(session, scope, start, end, now, [Case.risk])
    open_now = dict(
        session.execute(
            sa.select(Case.risk, sa.func.count())
            .where(few(scope), Case.state.in_(_OPEN))
            .group_by(Case.risk)
        ).all()
    )
    rows: list[tuple[Cell, ...]] = []
    for risk in Risk:
        f = flows.get((risk.value,), {})
        rows.append(
            (risk.value, f.get("reported", 0), f.get("closed", 0), f.get("overdue", 0),
             int(open_now.get(risk.value, 0)))
        )
    return Table(
        "risk_moves",
        "brief.table.risk_moves",
        (
            Column("risk", "brief.col.risk", "enum:risk"),
            Column("reported", "brief.col.reported"),
            Column("closed", "brief.col.closed"),
            Column("overdue", "brief.col.overdue"),
            Column("open", "brief.col.open_now"),
        ),
        tuple(rows),
    )
