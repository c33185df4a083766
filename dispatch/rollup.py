"""Daily KPI counters per center, kept in step with the cases (the table behind the KPIs).

One row per (``scope``, ``child``, local ``day``): ``scope`` is a center's path, ``child`` the
code of the child center below it whose subtree the row counts (``""`` for cases held at the
scope itself), ``day`` a local date (Asia/Shanghai). A case at ``a/b/c/d`` counts in the rows
of ``(a, b)``, ``(a/b, c)``, ``(a/b/c, d)`` and ``(a/b/c/d, "")``, so the KPIs of any center
broken down by child read only ``children × days`` rows, whatever the number of cases.

What a case contributes is a pure function of its current columns (:func:`contribution`).
A ``before_flush`` listener subtracts the old contribution of every changed case and adds the
new one, in the same transaction as the change, so the counters match a recomputation over
the cases exactly. Bulk SQL updates of cases bypass the listener: run :func:`rebuild_rollups`
after them (the demo generator does, after its bulk insert).

China keeps no daylight saving time since 1991, so a local day is UTC+8 arithmetic.
"""

from __future__ import annotations

import bisect
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from operator import add
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from dispatch.models import Case, UtcDateTime
from dispatch.types import OPEN_STATES, SATISFIED_VALUES, CaseState

LOCAL_OFFSET = 8 * 3600
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: Upper edges (hours) of the handling-time histogram; the last bucket is open-ended.
HOUR_EDGES: tuple[float, ...] = (
    0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120,
    168, 240, 336, 480, 720, 1080, 1440, 2160,
)  # fmt: skip
SECOND_EDGES = tuple(h * 3600 for h in HOUR_EDGES)
BUCKETS = tuple(f"h{i:02d}" for i in range(len(HOUR_EDGES) + 1))
COUNTERS: tuple[str, ...] = (
    "reported",  # by day reported
    "reported_closed",  # of those, closed now
    "accepted",  # by day accepted
    "closed",  # by day closed (state closed)
    "closed_on_time",  # closed_at <= due_at
    "reworked",  # closed with rework_count > 0
    "extended",  # closed with extension_count > 0
    "visits",  # return visits of closed cases: 1 + redo_count
    "satisfied",  # closed cases whose last visit was 满意 or 基本满意
    "handling_seconds",  # sum of closed_at - reported_at - paused_seconds
    "level1",
    "level2",
    "level3",
    "level4",
    *BUCKETS,
)
INDEX = {name: i for i, name in enumerate(COUNTERS)}
N = len(COUNTERS)

metadata = sa.MetaData()
kpi_daily = sa.Table(
    "kpi_daily",
    metadata,
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("child", sa.String(12), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *(sa.Column(name, sa.BigInteger, nullable=False, server_default="0") for name in COUNTERS),
)


#: The open cases alone (a few thousand rows whatever the history), kept by the same listener:
#: open-case figures read this instead of finding the open cases among all cases.
kpi_open = sa.Table(
    "kpi_open",
    metadata,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("owning_path", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("risk", sa.String(8), nullable=False),
    sa.Column("due_at", UtcDateTime),
)
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATES))
_OPEN_FIELDS = ("state", "owning_path", "risk", "due_at")


class Facts(NamedTuple):
    """The columns of a case that its KPI contribution depends on (times as exact epoch
    microseconds)."""

    owning_path: str
    state: str
    reported_at: int
    accepted_at: int | None
    closed_at: int | None
    due_at: int | None
    paused_seconds: int
    rework_count: int
    extension_count: int
    redo_count: int
    satisfaction: str | None
    handled_level: int | None


FACT_FIELDS = Facts._fields
_TIMES = frozenset({"reported_at", "accepted_at", "closed_at", "due_at"})
_CLOSED = CaseState.CLOSED.value
_SATISFIED = frozenset(v.value for v in SATISFIED_VALUES)


US = 1_000_000
DAY_US = 86400 * US
OFFSET_US = LOCAL_OFFSET * US
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_us(value: datetime) -> int:
    """Exact microseconds since the epoch (float timestamps would round)."""
    return (value - _EPOCH_UTC) // _ONE_US


def us_day(us: int) -> int:
    return (us + OFFSET_US) // DAY_US


def local_day(epoch: float) -> int:
    """Days since 1970-01-01 of the local (UTC+8) date."""
    return int((epoch + LOCAL_OFFSET) // 86400)


def day_date(day: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + day)


def day_number(value: date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


def bucket_of(seconds: float) -> int:
    return bisect.bisect_left(SECOND_EDGES, seconds)


def contribution(f: Facts) -> list[tuple[int, int, int]]:
    """``(local day, counter index, amount)`` triples of one case."""
    out = [(us_day(f.reported_at), 0, 1)]
    if f.accepted_at is not None:
        out.append((us_day(f.accepted_at), 2, 1))
    if f.state == _CLOSED and f.closed_at is not None:
        day = us_day(f.closed_at)
        out.append((out[0][0], 1, 1))
        out.append((day, 3, 1))
        if f.due_at is not None and f.closed_at <= f.due_at:
            out.append((day, 4, 1))
        if f.rework_count:
            out.append((day, 5, 1))
        if f.extension_count:
            out.append((day, 6, 1))
        out.append((day, 7, 1 + (f.redo_count or 0)))
        if f.satisfaction in _SATISFIED:
            out.append((day, 8, 1))
        # Whole seconds, rounded down, less the time suspended (缓办).
        seconds = max(0, (f.closed_at - f.reported_at) // US - (f.paused_seconds or 0))
        out.append((day, 9, seconds))
        if f.handled_level in (1, 2, 3, 4):
            out.append((day, 9 + f.handled_level, 1))
        out.append((day, 14 + bucket_of(seconds), 1))
    return out


_ancestors: dict[str, tuple[tuple[str, str], ...]] = {}


def ancestor_keys(path: str) -> tuple[tuple[str, str], ...]:
    """``(scope, child)`` pairs a case held at ``path`` counts in."""
    keys = _ancestors.get(path)
    if keys is None:
        codes = path.split("/")
        keys = tuple(
            ("/".join(codes[: i + 1]), codes[i + 1] if i + 1 < len(codes) else "")
            for i in range(len(codes))
        )
        _ancestors[path] = keys
    return keys


Key = tuple[str, str, int]


class Accumulator:
    """Counter rows being summed: ``(scope, child, day) → counters``."""

    def __init__(self) -> None:
        self.by_path: dict[tuple[str, int], list[int]] = {}

    def add(self, facts: Facts, sign: int = 1) -> None:
        path = facts.owning_path
        for day, index, amount in contribution(facts):
            row = self.by_path.get((path, day))
            if row is None:
                row = self.by_path[(path, day)] = [0] * N
            row[index] += sign * amount

    def rows(self) -> dict[Key, list[int]]:
        out: dict[Key, list[int]] = {}
        for (path, day), counters in self.by_path.items():
            if not any(counters):
                continue
            for scope, child in ancestor_keys(path):
                key = (scope, child, day)
                row = out.get(key)
                out[key] = list(counters) if row is None else list(map(add, row, counters))
        return {k: v for k, v in out.items() if any(v)}


def _epoch(value: datetime | None) -> int | None:
    return to_us(value) if value is not None else None


def facts_of(case: Case) -> Facts:
    return Facts(*(_fact(name, getattr(case, name)) for name in FACT_FIELDS))


def _fact(name: str, value: Any) -> Any:
    return _epoch(value) if name in _TIMES else value


def old_facts_of(case: Case) -> Facts:
    """The case's facts as last flushed, from the attribute history."""
    state = sa.inspect(case)
    values = []
    for name in FACT_FIELDS:
        hist = state.attrs[name].history
        if hist.deleted:
            value = hist.deleted[0]
        elif hist.unchanged:
            value = hist.unchanged[0]
        else:
            value = getattr(case, name)
        values.append(_fact(name, value))
    return Facts(*values)


# -- keeping the table in step -------------------------------------------------------------

_present: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
RECHECK_SECONDS = 2.0


def rollups_present(conn: Connection) -> bool:
    """Whether this database has the rollup table (cached per engine; absence rechecked)."""
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


def ensure_table(conn: Connection) -> None:
    """Create the rollup tables where missing; fill ``kpi_open`` when it was missing."""
    fresh = not sa.inspect(conn).has_table(kpi_open.name)
    metadata.create_all(conn, checkfirst=True)
    if fresh:
        refill_open(conn)
    _present[conn.engine] = float("inf")


def refill_open(conn: Connection) -> None:
    """Copy the open cases into ``kpi_open`` (after bulk writes)."""
    conn.execute(kpi_open.delete())
    cols = [Case.id, Case.owning_path, Case.state, Case.risk, Case.due_at]
    conn.execute(
        kpi_open.insert().from_select(
            ["case_id", "owning_path", "state", "risk", "due_at"],
            sa.select(*cols).where(Case.state.in_(OPEN_VALUES)),
        )
    )


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``, built once per dialect."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(kpi_daily)
        stmt = _UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["scope", "child", "day"],
            set_={name: kpi_daily.c[name] + base.excluded[name] for name in COUNTERS},
        )
    return stmt


def _upsert(conn: Connection, rows: dict[Key, list[int]]) -> None:
    if not rows:
        return
    # Sorted keys lock rows in one order, so concurrent writers cannot deadlock.
    params = [
        {"scope": s, "child": c, "day": day_date(d), **dict(zip(COUNTERS, v, strict=True))}
        for (s, c, d), v in sorted(rows.items())
    ]
    conn.execute(_upsert_statement(conn.dialect.name), params)


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


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
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
        _upsert(conn, rows)


_OPEN_UPSERTS: dict[str, Any] = {}


def _open_upsert(dialect: str) -> Any:
    stmt = _OPEN_UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(kpi_open)
        stmt = _OPEN_UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["case_id"],
            set_={c: base.excluded[c] for c in ("owning_path", "state", "risk", "due_at")},
        )
    return stmt


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Keep ``kpi_open`` in step (after the flush, so new cases have their ids)."""
    keep: list[dict[str, Any]] = []
    drop: list[int] = []
    for case, _old, new in _changed_cases(session):
        if new and case.state in OPEN_VALUES:
            keep.append(
                {"case_id": case.id, "owning_path": case.owning_path, "state": case.state,
                 "risk": case.risk, "due_at": case.due_at}
            )  # fmt: skip
        elif case.id is not None:
            drop.append(case.id)
    if not (keep or drop):
        return
    conn = session.connection()
    if not rollups_present(conn):
        return
    if keep:
        conn.execute(_open_upsert(conn.dialect.name), sorted(keep, key=lambda r: r["case_id"]))
    if drop:
        conn.execute(kpi_open.delete().where(kpi_open.c.case_id.in_(sorted(drop))))


# -- rebuilding ------------------------------------------------------------------------------


def case_facts(session: Session, where: Sequence[Any] = ()) -> Iterator[Facts]:
    """Facts of every case (matching ``where``), streamed."""
    cols = [getattr(Case, name) for name in FACT_FIELDS]
    result = session.execute(sa.select(*cols).where(*where).execution_options(yield_per=20_000))
    for row in result:
        yield Facts(*(_fact(name, v) for name, v in zip(FACT_FIELDS, row, strict=True)))


def row_tuples(rows: dict[Key, list[int]]) -> list[tuple[Any, ...]]:
    """Rows as ``(scope, child, ISO day, *counters)`` for bulk writers."""
    return [(s, c, day_date(d).isoformat(), *v) for (s, c, d), v in sorted(rows.items())]


def write_rows(conn: Connection, rows: dict[Key, list[int]], chunk: int = 20_000) -> None:
    """Insert fresh rows (the table holds none of these keys)."""
    items = [
        {"scope": s, "child": c, "day": day_date(d), **dict(zip(COUNTERS, v, strict=True))}
        for (s, c, d), v in sorted(rows.items())
    ]
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
    """Create and fill the table when this database lacks it; True when it was built now."""
    conn = session.connection()
    if rollups_present(conn):
        return False
    rebuild_rollups(session)
    return True


def local_midnight(day: int) -> datetime:
    """The UTC instant a local day begins."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=day * 86400 - LOCAL_OFFSET)
