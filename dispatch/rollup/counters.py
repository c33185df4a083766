"""What one case contributes to the daily KPI counters: a pure function of its columns.

Counters are named (:data:`COUNTERS`); a row of them is a list indexed by the positions
:data:`INDEX` gives, and the code below uses those names, never bare positions. Days are local
days of the product's zone (:mod:`dispatch.localtime`, a fixed offset), numbered from
1970-01-01.
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, timedelta
from operator import add
from typing import Any, NamedTuple

import sqlalchemy as sa

from dispatch.localtime import TZ
from dispatch.models import Case
from dispatch.types import SATISFIED_VALUES, CaseState, Satisfaction

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: Upper edges (hours) of the handling-time histogram; the last bucket is open-ended.
HOUR_EDGES: tuple[float, ...] = (
    0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120,
    168, 240, 336, 480, 720, 1080, 1440, 2160,
)  # fmt: skip
SECOND_EDGES = tuple(h * 3600 for h in HOUR_EDGES)
BUCKETS = tuple(f"h{i:02d}" for i in range(len(HOUR_EDGES) + 1))
LEVEL_COUNTERS = ("level1", "level2", "level3", "level4")
COUNTERS: tuple[str, ...] = (
    "reported",  # by day reported
    "reported_closed",  # of those, closed now
    "accepted",  # by day accepted
    "closed",  # by day closed (state closed)
    "closed_on_time",  # resolution accepted at 核查 made by the deadline: resolved_at <= due_at
    "reworked",  # closed with rework_count > 0
    "extended",  # closed with extension_count > 0
    "visits",  # return visits of closed cases: 1 + redo_count
    "satisfied",  # closed cases whose last visit was 满意 or 基本满意
    "handling_seconds",  # sum of closed_at - reported_at - paused_seconds
    *LEVEL_COUNTERS,  # closed, by the level of the center that did the work
    *BUCKETS,  # closed, by handling time (HOUR_EDGES)
    "satisfied_strict",  # closed cases whose last visit was 满意 (strictly)
    "reworks",  # 返工 of closed cases (sum of rework_count)
    "resolutions",  # 办结 of closed cases: 1 + rework_count + redo_count
    "extended_late",  # closed with a 延期 granted after the deadline (逾期延期)
    "overdue_in",  # cases that became overdue that day (by due_at) and were late then
    "overdue_out",  # of those, the day they stopped being overdue (closed, or suspended)
    "orders",  # 派单 of closed cases: orders dispatched, lead and assists (order_count)
    "returns",  # 退单 of closed cases approved by the dispatching center (return_count)
    "returns_rejected",  # 退单 of closed cases the dispatching center rejected (驳回)
)
INDEX = {name: i for i, name in enumerate(COUNTERS)}
N = len(COUNTERS)

REPORTED, REPORTED_CLOSED, ACCEPTED = INDEX["reported"], INDEX["reported_closed"], INDEX["accepted"]
CLOSED, CLOSED_ON_TIME = INDEX["closed"], INDEX["closed_on_time"]
REWORKED, EXTENDED = INDEX["reworked"], INDEX["extended"]
VISITS, SATISFIED = INDEX["visits"], INDEX["satisfied"]
HANDLING_SECONDS = INDEX["handling_seconds"]
SATISFIED_STRICT, REWORKS, RESOLUTIONS = (
    INDEX["satisfied_strict"], INDEX["reworks"], INDEX["resolutions"]
)
EXTENDED_LATE, OVERDUE_IN, OVERDUE_OUT = (
    INDEX["extended_late"], INDEX["overdue_in"], INDEX["overdue_out"]
)
ORDERS, RETURNS, RETURNS_REJECTED = INDEX["orders"], INDEX["returns"], INDEX["returns_rejected"]
LEVEL = {level: INDEX[name] for level, name in enumerate(LEVEL_COUNTERS, start=1)}
BUCKET = tuple(INDEX[name] for name in BUCKETS)


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
    resolved_at: int | None = None
    suspended_at: int | None = None
    late_extension_count: int = 0
    order_count: int = 0
    return_count: int = 0
    return_rejected_count: int = 0


FACT_FIELDS = Facts._fields
_TIMES = frozenset({"reported_at", "accepted_at", "closed_at", "due_at", "resolved_at", "suspended_at"})
_CLOSED = CaseState.CLOSED.value
_SUSPENDED = CaseState.SUSPENDED.value
_SATISFIED = frozenset(v.value for v in SATISFIED_VALUES)
_STRICT = Satisfaction.SATISFIED.value
#: States after the handler's resolution: the handler's clock has stopped.
AWAITING_CHECK = frozenset(
    s.value for s in (CaseState.RESOLVED, CaseState.VERIFIED, CaseState.VISITED)
)
#: Cases that ended without a result owed (their deadline no longer counts).
_DROPPED = frozenset({CaseState.REFUSED.value, CaseState.MERGED.value})

US = 1_000_000
DAY_US = 86400 * US
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_us(value: datetime) -> int:
    """Exact microseconds since the epoch (float timestamps would round)."""
    return (value - _EPOCH_UTC) // _ONE_US


def us_day(us: int) -> int:
    return (us + TZ.offset_us) // DAY_US


def local_day(epoch: float) -> int:
    """Days since 1970-01-01 of the local date."""
    return int((epoch + TZ.offset) // 86400)


def day_date(day: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + day)


def day_number(value: date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


def local_midnight(day: int) -> datetime:
    """The UTC instant a local day begins."""
    return _EPOCH_UTC + timedelta(seconds=day * 86400 - TZ.offset)


def bucket_of(seconds: float) -> int:
    return bisect.bisect_left(SECOND_EDGES, seconds)


def on_time(f: Facts) -> bool:
    """Closed on time: the resolution accepted at 核查 was made by the deadline (verification,
    return visit and archiving do not count against the handler). A closed case without a
    resolution time (older data) is judged by its closing time."""
    done = f.resolved_at if f.resolved_at is not None else f.closed_at
    return f.due_at is not None and done is not None and done <= f.due_at


def overdue_span(f: Facts) -> tuple[int, int | None] | None:
    """When the case was overdue, ``(from, until)`` in epoch µs (``until`` None: still is), or
    None if it never was. Overdue: past the deadline without a resolution made in time, and
    neither closed nor suspended (缓办 stops the clock) nor refused or merged."""
    due = f.due_at
    if due is None or f.state in _DROPPED:
        return None
    if f.state == _CLOSED:
        until = None if on_time(f) else f.closed_at
        return (due, until) if until is not None and until > due else None
    if f.state == _SUSPENDED:
        until = f.suspended_at
        return (due, until) if until is not None and until > due else None
    if f.state in AWAITING_CHECK and f.resolved_at is not None and f.resolved_at <= due:
        return None
    return (due, None)


def contribution(f: Facts) -> list[tuple[int, int, int]]:
    """``(local day, counter index, amount)`` triples of one case."""
    reported_day = us_day(f.reported_at)
    out = [(reported_day, REPORTED, 1)]
    if f.accepted_at is not None:
        out.append((us_day(f.accepted_at), ACCEPTED, 1))
    span = overdue_span(f)
    if span is not None:
        out.append((us_day(span[0]), OVERDUE_IN, 1))
        if span[1] is not None:
            out.append((us_day(span[1]), OVERDUE_OUT, 1))
    if f.state == _CLOSED and f.closed_at is not None:
        day = us_day(f.closed_at)
        out.append((reported_day, REPORTED_CLOSED, 1))
        out.append((day, CLOSED, 1))
        if on_time(f):
            out.append((day, CLOSED_ON_TIME, 1))
        if f.rework_count:
            out.append((day, REWORKED, 1))
            out.append((day, REWORKS, f.rework_count))
        out.append((day, RESOLUTIONS, 1 + f.rework_count + (f.redo_count or 0)))
        if f.extension_count:
            out.append((day, EXTENDED, 1))
        if f.late_extension_count:
            out.append((day, EXTENDED_LATE, 1))
        if f.order_count:
            out.append((day, ORDERS, f.order_count))
        if f.return_count:
            out.append((day, RETURNS, f.return_count))
        if f.return_rejected_count:
            out.append((day, RETURNS_REJECTED, f.return_rejected_count))
        out.append((day, VISITS, 1 + (f.redo_count or 0)))
        if f.satisfaction in _SATISFIED:
            out.append((day, SATISFIED, 1))
        if f.satisfaction == _STRICT:
            out.append((day, SATISFIED_STRICT, 1))
        # Whole seconds, rounded down, less the time suspended (缓办).
        seconds = max(0, (f.closed_at - f.reported_at) // US - (f.paused_seconds or 0))
        out.append((day, HANDLING_SECONDS, seconds))
        if f.handled_level in LEVEL:
            out.append((day, LEVEL[f.handled_level], 1))
        out.append((day, BUCKET[bucket_of(seconds)], 1))
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


def fact_value(name: str, value: Any) -> Any:
    if name in _TIMES:
        return to_us(value) if value is not None else None
    return value


def facts_of(case: Case) -> Facts:
    return Facts(*(fact_value(name, getattr(case, name)) for name in FACT_FIELDS))


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
        values.append(fact_value(name, value))
    return Facts(*values)
