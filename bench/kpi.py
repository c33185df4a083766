"""KPI benchmark: the whole-prefecture view with its per-county breakdown on generated cases.

Generates the demo prefecture with ``--cases`` cases (1M by default) once per backend and
keeps it (SQLite file under ``--dir`` / ``$ZONGZHI_BENCH_DIR``; a PostgreSQL database named
after the case count), then times, on each backend, in the same run:

* ``compute_kpis`` for the prefecture over the last 365 days (rollups + open cases),
* ``wall_figures`` and ``center_counts`` (what the live wall polls),
* the naive baseline: the same figures queried center by center over the raw cases,

and prints p50/p95 and the ratio naive ÷ rollup. Usage::

    python bench/kpi.py                       # 1M cases, SQLite and PostgreSQL
    python bench/kpi.py --cases 100000 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _databases import bench_database

from dispatch.db import make_engine, make_session_factory
from dispatch.demo import generate_demo
from dispatch.kpi import center_counts, compute_kpis, day_range, wall_figures
from dispatch.kpi_raw import naive_kpis
from dispatch.rollup import ensure_table, install_rollups

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCOPE = "532600"


def _ready(url: str, cases: int) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("kpi_daily"):
                return False
            return conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == cases
    finally:
        engine.dispose()


def _reset(url: str) -> None:
    if url.startswith("sqlite:///"):
        for p in Path(url.removeprefix("sqlite:///")).parent.glob(Path(url).name + "*"):
            p.unlink()
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


CPU: dict[str, list[float]] = {}


def _timed(fn: Callable[[], Any], runs: int, warmup: int = 3, name: str = "") -> list[float]:
    """Wall milliseconds per run; this process's CPU milliseconds go to ``CPU[name]`` (on a
    shared machine the wall clock mostly measures the neighbours; for SQLite, which runs in
    this process, the CPU time is the work itself)."""
    for _ in range(warmup):
        fn()
    out, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    CPU[name] = cpu
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    suffix = f"{args.cases}{'' if args.trail else '_notrail'}"
    url = bench_database(backend, f"kpi_{suffix}", Path(args.dir), args.pg_url)
    generated = None
    if not _ready(url, args.cases):
        _reset(url)
        engine = make_engine(url)
        generated = generate_demo(
            install_rollups(make_session_factory(engine)), seed=1, cases=args.cases, now=NOW, trail=args.trail
        )
        engine.dispose()
        print(generated, flush=True)
    engine = make_engine(url)
    with engine.begin() as conn:
        ensure_table(conn)  # a database generated before kpi_open existed gets it here
    factory = install_rollups(make_session_factory(engine))
    start = NOW - timedelta(days=365)
    d0, d1 = day_range(start, NOW)
    out: dict[str, Any] = {"backend": backend, "generated": generated}
    with factory() as session:
        kpis = compute_kpis(session, SCOPE, start, NOW, now=NOW)
        out["kpi"] = _timed(
            lambda: compute_kpis(session, SCOPE, start, NOW, now=NOW), args.runs, name="kpi"
        )
        out["wall"] = _timed(lambda: wall_figures(session, SCOPE, NOW), args.runs, name="wall")
        out["tiles"] = _timed(lambda: center_counts(session, SCOPE, NOW), args.runs, name="tiles")
        naive = naive_kpis(session, SCOPE, d0, d1, NOW)
        out["naive"] = _timed(
            lambda: naive_kpis(session, SCOPE, d0, d1, NOW), args.naive_runs, 0, name="naive"
        )
    totals = dict(kpis, code=SCOPE)
    for child in [totals, *(c for c in kpis["children"] if not c["own"])]:
        n = naive[child["code"]]
        for key in ("reported", "accepted", "closed", "closed_on_time", "overdue", "visits"):
            assert child[key] == n[key], (backend, child["code"], key, child[key], n[key])
    out["reported"], out["closed"] = kpis["reported"], kpis["closed"]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--dir",
        default=os.environ.get(
            "ZONGZHI_BENCH_DIR", str(Path(tempfile.gettempdir()) / "zongzhi-bench")
        ),
    )
    parser.add_argument("--pg-url", default=os.environ.get("ZONGZHI_TEST_POSTGRES_URL", PG))
    parser.add_argument(
        "--trail",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also write the audit trail when generating (slower)",
    )
    args = parser.parse_args()
    print(
        f"KPI bench · {args.cases:,} cases · scope {SCOPE} · 365 days · {os.cpu_count()} CPUs",
        flush=True,
    )
    for backend in args.backends.split(","):
        r = run(backend, args)
        kpi_p95 = _p(r["kpi"], 0.95)
        naive = statistics.median(r["naive"]) if r["naive"] else float("nan")
        print(
            f"{backend:10} compute_kpis p50 {_p(r['kpi'], 0.5):7.1f} ms  p95 {kpi_p95:7.1f} ms | "
            f"wall_figures p95 {_p(r['wall'], 0.95):6.1f} ms | center_counts p95 "
            f"{_p(r['tiles'], 0.95):6.1f} ms | naive per-center loop median {naive:8.1f} ms | "
            f"ratio naive/p95 {naive / kpi_p95:6.1f}x  (reported {r['reported']:,}, closed {r['closed']:,})",
            flush=True,
        )
        print(
            f"{'':10} this process's CPU per call: compute_kpis p50 {_p(CPU['kpi'], 0.5):.1f} "
            f"p95 {_p(CPU['kpi'], 0.95):.1f} ms | wall_figures p95 {_p(CPU['wall'], 0.95):.1f} ms"
            f" | center_counts p95 {_p(CPU['tiles'], 0.95):.1f} ms | naive median "
            f"{statistics.median(CPU['naive']) if CPU['naive'] else float('nan'):.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
