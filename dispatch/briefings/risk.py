"""High-risk matters and supervision in a period: new high-risk matters with their 包保
leader and 一案一策 plan, escalations, 催办 and 通报 from the case trail, and each leader's
open matters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from dispatch.briefings.counts import few, overdue_condition
from dispatch.briefings.model import Cell, Column, Table
from dispatch.models import Case, CaseEvent, Center
from dispatch.registry import subtree_filter
from dispatch.types import OPEN_STATES, Risk

#: Trail actions a briefing counts, in the order shown (上报上级, 督办, 催办, 通报, 延期, 缓办,
#: 返工, 重新打开, 领导包保, 退单). 督办 (``supervise``) is counted apart from 催办 and 通报.
SUPERVISION_ACTIONS = (
    "escalate", "supervise", "urge", "notify", "extend", "suspend", "rework", "reopen", "assign_leader",
    "return",
)  # fmt: skip
_OPEN = sorted(s.value for s in OPEN_STATES)
#: Rows listed at most in a table of single matters (the count says how many there were).
LIST_LIMIT = 50
PLAN_CHARS = 60


def center_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names of the centers ``ids`` (read apart from the cases: joined, SQLite's planner
    would walk every center's cases instead of the few selected)."""
    if not ids:
        return {}
    return dict(session.execute(sa.select(Center.id, Center.name).where(Center.id.in_(ids))).all())


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def new_high_risk_query(scope_filter: Any, start: datetime, end: datetime) -> sa.Select[Any]:
    """Matters graded 高 reported in the period, newest first (the path last)."""
    return (
        sa.select(
            Case.number, Case.title, Case.center_id, Case.kind, Case.state, Case.leader,
            Case.plan, Case.reported_at, Case.owning_path,
        )
        .where(
            scope_filter,
            Case.reported_at >= start,
            Case.reported_at < end,
            Case.risk == Risk.HIGH.value,
        )
        .order_by(Case.reported_at.desc(), Case.id.desc())
    )


def new_high_risk(session: Session, scope: str, start: datetime, end: datetime) -> Table:
    """Matters graded 高 reported in the period, newest first, with leader and plan."""
    rows = session.execute(
        new_high_risk_query(subtree_filter(Case.owning_path, scope), start, end)
    ).all()
    return new_high_risk_table(rows, center_names(session, {row[2] for row in rows}))


def new_high_risk_table(rows: Sequence[Any], names: dict[int, str]) -> Table:
    cells: list[tuple[Cell, ...]] = [
        (
            number or "", title, names.get(center, ""), kind, state, leader or "",
            "set" if plan else "missing", (plan or "")[:PLAN_CHARS], _iso(at),
        )
        for number, title, center, kind, state, leader, plan, at, _path in rows
    ]
    return Table(
        "new_high_risk",
        "brief.table.new_high_risk",
        (
            Column("number", "brief.col.number", "text"),
            Column("title", "brief.col.title", "text"),
            Column("center", "brief.col.center", "text"),
            Column("kind", "brief.col.kind", "enum:kind"),
            Column("state", "brief.col.state", "enum:state"),
            Column("leader", "brief.col.leader", "text"),
            Column("plan_status", "brief.col.plan_status", "enum:brief.plan"),
            Column("plan", "brief.col.plan", "text"),
            Column("reported_at", "brief.col.reported_at", "datetime"),
        ),
        tuple(cells),
    )


def supervision_query(
    scope_filter: Any, start: datetime, end: datetime, *keys: Any
) -> sa.Select[Any]:
    """Trail actions of the period counted by ``keys`` and action."""
    return (
        sa.select(*keys, CaseEvent.action, sa.func.count())
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.action.in_(SUPERVISION_ACTIONS),
            CaseEvent.at >= start,
            CaseEvent.at < end,
            scope_filter,
        )
        .group_by(*keys, CaseEvent.action)
    )


def supervision_counts(
    session: Session, scope: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Trail actions of the period on the subtree's cases (where each case is held now)."""
    q = supervision_query(subtree_filter(Case.owning_path, scope), start, end)
    got = {a: int(n) for a, n in session.execute(q).all()}
    return {a: got.get(a, 0) for a in SUPERVISION_ACTIONS}


def supervision_table(counts: dict[str, int]) -> Table:
    return Table(
        "supervision",
        "brief.table.supervision",
        (Column("action", "brief.col.action", "enum:action"), Column("count", "brief.col.count")),
        tuple((a, n) for a, n in counts.items()),
    )


def escalations_query(scope_filter: Any, start: datetime, end: datetime) -> sa.Select[Any]:
    """The period's escalations (上报上级), newest first (the holding path last)."""
    src, dst = aliased(Center), aliased(Center)
    return (
        sa.select(Case.number, Case.title, Case.kind, src.name, dst.name, CaseEvent.at,
                  Case.owning_path)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(src, src.code == CaseEvent.payload["from_center"].as_string())
        .outerjoin(dst, dst.code == CaseEvent.payload["to_center"].as_string())
        .where(
            CaseEvent.action == "escalate",
            CaseEvent.at >= start,
            CaseEvent.at < end,
            scope_filter,
        )
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    )


def escalations(
    session: Session, scope: str, start: datetime, end: datetime, count: int | None = None
) -> Table:
    """The period's escalations (上报上级) of the subtree's cases, newest first (``count``:
    how many there are, when already known: zero spares the query)."""
    q = escalations_query(subtree_filter(Case.owning_path, scope), start, end)
    return escalations_table([] if count == 0 else session.execute(q.limit(LIST_LIMIT)).all())


def escalations_table(rows: Sequence[Any]) -> Table:
    return Table(
        "escalations",
        "brief.table.escalations",
        (
            Column("number", "brief.col.number", "text"),
            Column("title", "brief.col.title", "text"),
            Column("kind", "brief.col.kind", "enum:kind"),
            Column("from_center", "brief.col.from_center", "text"),
            Column("to_center", "brief.col.to_center", "text"),
            Column("at", "brief.col.at", "datetime"),
        ),
        tuple((n or "", t, k, f or "", d or "", _iso(at)) for n, t, k, f, d, at, _ in rows),
    )


def leaders(session: Session, scope: str, now: datetime) -> Table:
    """Each 包保 leader's open matters in the subtree (as of ``now``), by risk, with those
    overdue and the oldest report."""
    high, medium = Risk.HIGH.value, Risk.MEDIUM.value

    def n(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    rows = session.execute(
        sa.select(
            Case.leader,
            sa.func.count(),
            n(Case.risk == high),
            n(Case.risk == medium),
            n(overdue_condition(now, now + timedelta(days=1), now)),
            sa.func.min(Case.reported_at),
        )
        .where(
            few(scope),
            Case.state.in_(_OPEN),
            Case.leader.is_not(None),
            Case.leader != "",
        )
        .group_by(Case.leader)
        .order_by(sa.func.count().desc(), Case.leader)
    ).all()
    return Table(
        "leaders",
        "brief.table.leaders",
        (
            Column("leader", "brief.col.leader", "text"),
            Column("open", "brief.col.open"),
            Column("high", "brief.col.high"),
            Column("medium", "brief.col.medium"),
            Column("overdue", "brief.col.overdue"),
            Column("oldest", "brief.col.oldest_reported", "datetime"),
        ),
        tuple(
            (leader, int(o), int(h), int(m), int(d), _iso(first))
            for leader, o, h, m, d, first in rows
        ),
    )


REGISTER_LIMIT = 200


def register_query(scope_filter: Any) -> sa.Select[Any]:
    """Open matters graded 高 or 中, high before medium, oldest first."""
    high, medium = Risk.HIGH.value, Risk.MEDIUM.value
    return (
        sa.select(
            Case.number, Case.title, Case.center_id, Case.risk, Case.state, Case.leader,
            Case.plan, Case.reported_at, Case.id, Case.owning_path,
        )
        .where(scope_filter, Case.state.in_(_OPEN), Case.risk.in_((high, medium)))
        .order_by(sa.case((Case.risk == high, 0), else_=1), Case.reported_at, Case.id)
    )


def register(
    session: Session, scope: str, since: datetime, now: datetime, row_change: dict[int, str]
) -> Table:
    """The risk register as of ``now``: open matters graded 高 or 中 with their 包保 leader,
    plan, days open and their change since the baseline ``since`` (new, raised, lowered,
    carried: ``row_change`` from :func:`dispatch.briefings.baseline.changes`) — high before
    medium, oldest first (at most :data:`REGISTER_LIMIT` rows)."""
    rows = session.execute(register_query(few(scope)).limit(REGISTER_LIMIT)).all()
    return register_table(rows, center_names(session, {row[2] for row in rows}), since, now,
                          row_change)


def register_table(
    rows: Sequence[Any], names: dict[int, str], since: datetime, now: datetime,
    row_change: dict[int, str],
) -> Table:
    cells: list[tuple[Cell, ...]] = [
        (
            number or "", title, names.get(center, ""), grade, state, leader or "",
            "set" if plan else "missing", int((now - at).total_seconds() // 86400),
            "new" if at >= since else row_change.get(cid, "carried"),
        )
        for number, title, center, grade, state, leader, plan, at, cid, _path in rows
    ]
    return Table(
        "register",
        "brief.table.register",
        (
            Column("number", "brief.col.number", "text"),
            Column("title", "brief.col.title", "text"),
            Column("center", "brief.col.center", "text"),
            Column("risk", "brief.col.risk", "enum:risk"),
            Column("state", "brief.col.state", "enum:state"),
            Column("leader", "brief.col.leader", "text"),
            Column("plan_status", "brief.col.plan_status", "enum:brief.plan"),
            Column("days_open", "brief.col.days_open"),
            Column("change", "brief.col.register_change", "enum:brief.change"),
        ),
        tuple(cells),
        note="brief.note.register",
    )
