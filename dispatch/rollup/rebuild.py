"""Rebuilding the rollup tables from the cases: after bulk writes, or for a database that never
had them. Everything runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dispatch.db import Base
from dispatch.models import Case
from dispatch.rollup.counters import (
    FACT_FIELDS,
    Accumulator,
    Facts,
    Key,
    day_date,
    fact_value,
)
from dispatch.rollup.listener import counter_params, mark_present, rollups_present
from dispatch.rollup.tables import (
    OPEN_FIELDS,
    OPEN_VALUES,
    ROLLUP_TABLES,
    kpi_daily,
    kpi_open,
    late_from_sql,
)


def ensure_table(conn: Connection) -> None:
    """Create the rollup tables where missing; fill ``kpi_open`` when it was missing."""
    fresh = not sa.inspect(conn).has_table(kpi_open.name)
    Base.metadata.create_all(conn, tables=list(ROLLUP_TABLES), checkfirst=True)
    if fresh:
        refill_open(conn)
    mark_present(conn)


def refill_open(conn: Connection) -> None:
    """Copy the open cases into ``kpi_open`` (after bulk writes)."""
    conn.execute(kpi_open.delete())
    c = Case.__table__.c
    cols = [c.id, *(late_from_sql(c) if f == "late_from" else c[f] for f in OPEN_FIELDS)]
    conn.execute(
        kpi_open.insert().from_select(
            ["case_id", *OPEN_FIELDS], sa.select(*cols).where(Case.state.in_(OPEN_VALUES))
        )
    )


def case_facts(session: Session, where: Sequence[Any] = ()) -> Iterator[Facts]:
    """Facts of every case (matching ``where``), streamed."""
    cols = [getattr(Case, name) for name in FACT_FIELDS]
    result = session.execute(sa.select(*cols).where(*where).execution_options(yield_per=20_000))
    for row in result:
        yield Facts(*(fact_value(name, v) for name, v in zip(FACT_FIELDS, row, strict=True)))


def row_tuples(rows: dict[Key, list[int]]) -> list[tuple[Any, ...]]:
    """Rows as ``(scope, child, ISO day, *counters)`` for bulk writers."""
    return [(s, c, day_date(d).isoformat(), *v) for (s, c, d), v in sorted(rows.items())]


def write_rows(conn: Connection, rows: dict[Key, list[int]], chunk: int = 20_000) -> None:
    """Insert fresh rows (the table holds none of these keys)."""
    items = counter_params(rows)
    for i in range(0, len(items), chunk):
        conn.execute(kpi_daily.insert(), items[i : i + chunk])


def rebuild_from(conn: Connection, facts: Iterable[Facts]) -> int:
    """Replace the table's content by the contributions of ``facts``; returns rows written."""
    ensure_table(conn)
    acc = Accumulator()
    for f in facts:
        acc.add(f)
    rows = acc.rows()
    conn.execute(kpi_daily.delete())
    write_rows(conn, rows)
    return len(rows)


def rebuild_rollups(session: Session) -> int:
    """Recompute every counter from the cases, in the caller's transaction."""
    conn = session.connection()
    written = rebuild_from(conn, list(case_facts(session)))
    refill_open(conn)
    return written


def ensure_rollups(session: Session) -> bool:
    """Create and fill the tables when this database lacks them; True when built now."""
    if rollups_present(session.connection()):
        return False
    rebuild_rollups(session)
    return True


def fill_new_rollups(conn: Connection) -> bool:
    """Fill rollup tables a migration has just created empty while cases exist (every case
    counts in at least one row, so empty tables beside cases were never filled)."""
    inspector = sa.inspect(conn)
    if not (inspector.has_table(kpi_daily.name) and inspector.has_table(Case.__tablename__)):
        return False
    if conn.scalar(sa.select(kpi_daily.c.scope).limit(1)) is not None:
        return False
    if conn.scalar(sa.select(Case.id).limit(1)) is None:
        return False
    with Session(bind=conn) as session:
        rebuild_rollups(session)
        session.flush()
    return True
