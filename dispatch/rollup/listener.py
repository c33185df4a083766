"""Keeping the rollup tables in step with the cases, in the same transaction as the change.

:func:`install_rollups` puts two listeners on the product's session factory (never on every
``Session`` of the process): ``before_flush`` subtracts the old contribution of every new,
changed or deleted case and adds the new one with an upsert; ``after_flush`` keeps
``kpi_open`` (after the flush, so new cases have their ids). A rolled-back change rolls its
counters back too. Without the tables (a database never migrated to them) nothing is written.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Case
from dispatch.rollup.counters import COUNTERS, Accumulator, Key, day_date, facts_of, old_facts_of
from dispatch.rollup.tables import OPEN_FIELDS, OPEN_VALUES, kpi_daily, kpi_open, open_row

_present: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
RECHECK_SECONDS = 2.0


def rollups_present(conn: Connection) -> bool:
    """Whether this database has the rollup tables (cached per engine; absence rechecked)."""
    engine = conn.engine
    seen = _present.get(engine)
    if seen == float("inf"):
        return True
    if seen is not None and time.monotonic() - seen < RECHECK_SECONDS:
        return False
    inspector = sa.inspect(conn)
    present = inspector.has_table(kpi_daily.name) and inspector.has_table(kpi_open.name)
    _present[engine] = float("inf") if present else time.monotonic()
    return present


def mark_present(conn: Connection) -> None:
    _present[conn.engine] = float("inf")


def forget_presence() -> None:
    """Forget what is known of which databases have the tables (after dropping them)."""
    _present.clear()


def _upsert(dialect: str, table: sa.Table, keys: list[str], set_: Any) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    base = insert(table)
    return base.on_conflict_do_update(index_elements=keys, set_=set_(base.excluded))


_STATEMENTS: dict[tuple[str, str], Any] = {}


def statement(dialect: str, table: sa.Table) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE``, built once per dialect and table: counters add up
    (``n = n + excluded.n``); an open case's row is replaced."""
    stmt = _STATEMENTS.get((dialect, table.name))
    if stmt is None:
        if table is kpi_daily:
            stmt = _upsert(dialect, table, ["scope", "child", "day"],
                           lambda ex: {n: table.c[n] + ex[n] for n in COUNTERS})  # fmt: skip
        else:
            stmt = _upsert(dialect, table, ["case_id"], lambda ex: {c: ex[c] for c in OPEN_FIELDS})
        _STATEMENTS[(dialect, table.name)] = stmt
    return stmt


def counter_params(rows: dict[Key, list[int]]) -> list[dict[str, Any]]:
    # Sorted keys lock rows in one order, so concurrent writers cannot deadlock.
    return [
        {"scope": s, "child": c, "day": day_date(d), **dict(zip(COUNTERS, v, strict=True))}
        for (s, c, d), v in sorted(rows.items())
    ]


def _changed_cases(session: Session) -> Iterator[tuple[Case, bool, bool]]:
    """``(case, had_old_row, has_new_row)`` for every case this flush writes."""
    for obj in session.new:
        if isinstance(obj, Case):
            yield obj, False, True
    for obj in session.dirty:
        if isinstance(obj, Case) and session.is_modified(obj, include_collections=False):
            yield obj, True, True
    for obj in session.deleted:
        if isinstance(obj, Case):
            yield obj, True, False


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    acc = Accumulator()
    for case, old, new in _changed_cases(session):
        if old:
            acc.add(old_facts_of(case), -1)
        if new:
            acc.add(facts_of(case), +1)
    rows = acc.rows()
    if not rows:
        return
    conn = session.connection()
    if rollups_present(conn):
        conn.execute(statement(conn.dialect.name, kpi_daily), counter_params(rows))


def after_flush(session: Session, _context: Any) -> None:
    keep: list[dict[str, Any]] = []
    drop: list[int] = []
    for case, _old, new in _changed_cases(session):
        if new and case.state in OPEN_VALUES:
            keep.append(open_row(case))
        elif case.id is not None:
            drop.append(case.id)
    if not (keep or drop):
        return
    conn = session.connection()
    if not rollups_present(conn):
        return
    if keep:
        keep.sort(key=lambda r: r["case_id"])
        conn.execute(statement(conn.dialect.name, kpi_open), keep)
    if drop:
        conn.execute(kpi_open.delete().where(kpi_open.c.case_id.in_(sorted(drop))))


def install_rollups(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Keep the KPI rollups in step for every session of ``session_factory`` (idempotent);
    returns the factory."""
    if not event.contains(session_factory, "before_flush", before_flush):
        event.listen(session_factory, "before_flush", before_flush)
        event.listen(session_factory, "after_flush", after_flush)
    return session_factory


def rollups_installed(session_factory: sessionmaker[Session]) -> bool:
    return event.contains(session_factory, "before_flush", before_flush)
