"""Bulk writing of generated rows: COPY on PostgreSQL, ``executemany`` on SQLite.

Rows arrive as tuples in column order with timestamps as epoch seconds; they are written in
the text form each backend stores (SQLAlchemy's SQLite ``DATETIME`` format, naive UTC, as
:class:`dispatch.models.UtcDateTime` writes it; ISO with ``+00`` for PostgreSQL), skipping
per-row ORM and type processing, which would cost more than the generation itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dispatch.db import Base
from dispatch.models import UtcDateTime


@cache
def timestamp_columns(table: str) -> frozenset[str]:
    """The UTC timestamp columns of a mapped table, read off the models (written as text)."""
    found = Base.metadata.tables.get(table)
    if found is None:
        return frozenset()
    return frozenset(c.name for c in found.columns if isinstance(c.type, UtcDateTime))


_EPOCH = date(1970, 1, 1).toordinal()
_days: dict[int, str] = {}


def _stamp(epoch: int, suffix: str) -> str:
    day, rest = divmod(int(epoch), 86400)
    text = _days.get(day)
    if text is None:
        text = _days[day] = date.fromordinal(_EPOCH + day).isoformat()
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{text} {h:02d}:{m:02d}:{s:02d}.000000{suffix}"


def _stamped(
    rows: Iterable[Sequence[Any]], at: list[int], suffix: str
) -> Iterable[tuple[Any, ...]]:
    for row in rows:
        out = list(row)
        for i in at:
            v = out[i]
            if v is not None:
                out[i] = _stamp(v, suffix)
        yield tuple(out)


class BulkWriter:
    """Appends rows to tables on one connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.suffix = "+00" if self.postgres else ""

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        stamped = [i for i, c in enumerate(columns) if c in timestamp_columns(table)]
        suffix = self.suffix
        if stamped:
            rows = _stamped(rows, stamped, suffix)
        if self.postgres:
            return self._copy(table, columns, rows)
        marks = ", ".join("?" * len(columns))
        data = list(rows)
        if data:
            self.conn.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data
            )
        return len(data)

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        n = 0
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        return n

    def fix_sequences(self, tables: Iterable[str]) -> None:
        """After explicit ids, move PostgreSQL's sequences past them."""
        if not self.postgres:
            return
        for table in tables:
            self.conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )

    def analyze(self) -> None:
        self.conn.exec_driver_sql("ANALYZE")


@contextmanager
def indexes_built_after(engine: Engine, tables: Sequence[str]) -> Iterator[list[str]]:
    """On PostgreSQL, drop the secondary indexes of ``tables`` for a bulk load and build them
    again after it (also when the load fails); yields the index definitions. Elsewhere, a no-op.

    Keeping a million cases' fifteen indexes (a trigram GIN among them) current row by row costs
    several times the load itself; one ``CREATE INDEX`` per index over the loaded table sorts
    once. Indexes that back a constraint (primary keys, unique constraints) stay: the load
    relies on them.
    """
    if engine.dialect.name != "postgresql":
        yield []
        return
    with engine.begin() as conn:
        found = conn.exec_driver_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%(tables)s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            "  WHERE c.conname = i.indexname AND c.connamespace = to_regnamespace(i.schemaname))"
            " ORDER BY i.indexname",
            {"tables": list(tables)},
        ).all()
        for name, _ in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    definitions = [definition for _, definition in found]
    try:
        yield definitions
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in definitions:
                conn.exec_driver_sql(definition)
