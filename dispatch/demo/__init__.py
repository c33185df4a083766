"""Demo data at real scale: a prefecture shaped like 文山 and a year of its cases.

:func:`generate_demo` fills an empty database deterministically from a seed: 1129 centers,
grids, 十联户 units, departments, people (grid workers, staff, liaisons), cases with their
dispatch orders and full audit trail, and the KPI rollups. :func:`demo_deployment` gives the
same prefecture as a :class:`config.deployment.Deployment` (to write out as a deployment file).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from dispatch.demo.cases import CaseFactory
from dispatch.demo.geography import DEFAULT_GRIDS, build_geography, demo_deployment
from dispatch.demo.registry_rows import registry_rows
from dispatch.demo.summary import DemoSummary
from dispatch.demo.timeline import ORDER_TAIL
from dispatch.demo.writer import BulkWriter, indexes_built_after
from dispatch.rollup import (
    COUNTERS,
    Accumulator,
    ensure_table,
    kpi_daily,
    refill_open,
    row_tuples,
)
from dispatch.sla import Sla
from dispatch.types import OPEN_STATES, CaseState

__all__ = ["DemoSummary", "demo_deployment", "generate_demo", "build_geography"]

CASE_COLUMNS = (
    "id", "number", "title", "description", "kind", "complexity", "channel", "source",
    "external_id", "risk", "state", "suspended_from", "center_id", "owning_path",
    "reported_center_id", "grid_id", "camera_id", "lat", "lon", "reporter", "address",
    "unit_id", "reporter_phone", "sub_kind", "search_text", "reported_at",
    "accepted_at", "resolved_at", "closed_at", "due_at", "suspended_at", "paused_seconds",
    "extended", "extension_count", "rework_count", "redo_count", "return_count",
    "order_count",
    "escalation_count", "supervision_stage", "supervised_at", "satisfaction", "handled_level",
    "leader", "plan", "merged_into_id", "event_count", "version",
)  # fmt: skip
ORDER_COLUMNS = ("id", "case_id", "department_id", "center_id", "role", *ORDER_TAIL)
EVENT_COLUMNS = (
    "id",
    "case_id",
    "seq",
    "at",
    "actor",
    "action",
    "from_state",
    "to_state",
    "payload",
)
_OPEN = frozenset(s.value for s in OPEN_STATES)


def generate_demo(
    session_factory: sessionmaker[Session],
    *,
    seed: int = 1,
    cases: int = 100_000,
    now: datetime | None = None,
    grids: int = DEFAULT_GRIDS,
    trail: bool = True,
) -> DemoSummary:
    """Fill an empty database with the demo prefecture and a year of cases up to ``now``.

    The same seed and ``now`` give the same rows. ``trail=False`` skips the audit events
    (a benchmark database needs only the cases). Raises ValueError when the database already
    holds centers or cases.
    """
    if cases < 0:
        raise ValueError(f"cases={cases}: must not be negative")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    summary = DemoSummary(seed=seed, now=now)
    engine = session_factory.kw["bind"]
    if not sa.inspect(engine).has_table("cases"):
        from dispatch.migrate import upgrade

        upgrade(engine)
    with engine.connect() as conn:
        held = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM centers) + (SELECT count(*) FROM cases)"
        ).scalar()
    if held:
        raise ValueError(
            "the database already holds centers or cases: demo data needs an empty database"
        )
    geo = build_geography(seed, grids=grids)
    dep = geo.deployment
    with engine.begin() as conn:
        registry_rows(geo, seed, BulkWriter(conn), summary)
    summary.seconds["registry"] = time.perf_counter() - started

    mark = time.perf_counter()
    factory = CaseFactory(
        geo, Sla.build(dep.sla, dep.holidays), seed, int(now.timestamp()), cases, trail
    )
    acc = Accumulator()
    states: Counter[str] = Counter()
    overdue = high = 0
    t_now = int(now.timestamp())
    with indexes_built_after(engine, ("cases", "dispatch_orders", "case_events")):
        for chunk in factory.chunks():
            with engine.begin() as conn:
                w = BulkWriter(conn)
                case_rows = [tuple(c[k] for k in CASE_COLUMNS) for c in chunk.cases]
                summary.cases += w.write("cases", CASE_COLUMNS, case_rows)
                summary.orders += w.write("dispatch_orders", ORDER_COLUMNS, chunk.orders)
                if trail:
                    summary.events += w.write("case_events", EVENT_COLUMNS, chunk.events)
                    w.write("case_escalations", ("case_id", "from_center_id", "at"),
                            chunk.escalations)
            for c, f in zip(chunk.cases, chunk.facts, strict=True):
                acc.add(f)
                states[c["state"]] += 1
                if c["state"] in _OPEN:
                    overdue += c["state"] != CaseState.SUSPENDED and c["due_at"] < t_now
                    high += c["risk"] == "high"
    summary.states = dict(sorted(states.items()))
    summary.open_overdue, summary.open_high_risk = overdue, high
    summary.seconds["cases"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with engine.begin() as conn:
        ensure_table(conn)
        conn.execute(kpi_daily.delete())
        rows = acc.rows()
        w = BulkWriter(conn)
        w.write("kpi_daily", ("scope", "child", "day", *COUNTERS), row_tuples(rows))
        summary.rollup_rows = len(rows)
        refill_open(conn)
        w.fix_sequences(
            (
                "centers",
                "grids",
                "units",
                "departments",
                "people",
                "cases",
                "dispatch_orders",
                "case_events",
            )
        )
    with engine.connect() as conn:
        BulkWriter(conn).analyze()
        conn.commit()
    summary.seconds["rollups"] = time.perf_counter() - mark
    summary.seconds["total"] = time.perf_counter() - started
    return summary
