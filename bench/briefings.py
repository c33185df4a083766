"""Briefing benchmark: the prefecture's weekly assessment (per-county breakdown, comparison
with the previous week and a year before, hot spots, overdue by age …) and every center's
daily summary, on the generated prefecture, against the KPI query of the same scope and
period measured in the same run.

Uses the database of ``bench/kpi.py`` (``--cases`` cases, generated once per backend and
kept; migrated to the current schema first), then times, on each backend:

* ``generate(weekly)`` for the prefecture, the last full week before the data's end, against
  ``compute_kpis`` for that week (the baseline: the figures alone);
* the daily summary of every center (1,129 in the demo prefecture) generated and stored in
  one pass, as the schedule does — from one :class:`~dispatch.briefings.batch.Batch` of
  grouped queries — against ``compute_kpis`` of every center for that day and (unless
  ``--no-per-center``) against the same pass one center at a time (the way before the
  batch); the stored drafts are rolled back so the database stays as it was.

Usage::

    python bench/briefings.py                        # 1M cases, SQLite and PostgreSQL
    python bench/briefings.py --cases 200000 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _databases import bench_database
from kpi import CPU, NOW, PG, SCOPE, _p, _ready, _reset, _timed

from dispatch.briefings import generate, period_of
from dispatch.briefings.batch import Batch
from dispatch.briefings.store import save, save_many
from dispatch.db import make_engine, make_session_factory
from dispatch.demo import generate_demo
from dispatch.kpi import compute_kpis
from dispatch.localtime import TZ
from dispatch.migrate import upgrade
from dispatch.models import Center
from dispatch.rollup import ensure_table, install_rollups


def _database(backend: str, args: argparse.Namespace) -> str:
    url = bench_database(backend, f"kpi_{args.cases}_notrail", Path(args.dir), args.pg_url)
    if not _ready(url, args.cases):
        _reset(url)
        engine = make_engine(url)
        print(generate_demo(install_rollups(make_session_factory(engine)), seed=1,
                            cases=args.cases, now=NOW, trail=False), flush=True)
        engine.dispose()
    engine = make_engine(url)
    upgrade(engine)  # a database generated before the briefings' indexes gets them here
    with engine.begin() as conn:
        ensure_table(conn)
    engine.dispose()
    return url


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    url = _database(backend, args)
    engine = make_engine(url)
    factory = install_rollups(make_session_factory(engine))
    today = NOW.astimezone(TZ).date()
    week = period_of("weekly", today).previous()
    day = today - timedelta(days=1)
    out: dict[str, Any] = {"backend": backend, "week": week.start}
    with factory() as session:
        b = generate(session, SCOPE, "weekly", week.start, now=NOW)
        out["figures"] = sum(len(t.rows) * len(t.columns) for t in b.tables()) + len(b.headline)
        out["reported"] = b.headline["reported"]
        out["weekly"] = _timed(
            lambda: generate(session, SCOPE, "weekly", week.start, now=NOW), args.runs,
            name="weekly",
        )
        out["kpi"] = _timed(
            lambda: compute_kpis(session, SCOPE, week.start_at(), week.end_at(), now=NOW),
            args.runs, name="kpi",
        )
        paths = list(session.scalars(sa.select(Center.path).order_by(Center.path)))
    out["centers"] = len(paths)
    out["all_daily"], out["all_daily_cpu"] = _all_daily(factory, paths, day, batch=True)
    if args.per_center:
        out["per_center"], out["per_center_cpu"] = _all_daily(factory, paths, day, batch=False)
    out["all_kpi"], out["all_kpi_cpu"] = _all_kpis(factory, paths, day)
    engine.dispose()
    return out


def _all_daily(factory: Any, paths: list[str], day: date, batch: bool) -> tuple[float, float]:
    """Seconds (wall, CPU) to generate and store every center's daily summary (from one
    batch, or one center at a time); rolled back."""
    t, c = time.perf_counter(), time.process_time()
    with factory() as session:
        if batch:  # as the schedule does: grouped reads, drafts stored many at a time
            source = Batch(session, SCOPE, "daily", day, NOW)
            save_many(session, [
                (generate(session, path, "daily", day, now=NOW, source=source), source.center(path))
                for path in paths
            ])
        else:
            for path in paths:
                save(session, generate(session, path, "daily", day, now=NOW))
        session.rollback()
    return time.perf_counter() - t, time.process_time() - c


def _all_kpis(factory: Any, paths: list[str], day: date) -> tuple[float, float]:
    p = period_of("daily", day)
    t, c = time.perf_counter(), time.process_time()
    with factory() as session:
        for path in paths:
            compute_kpis(session, path, p.start_at(), p.end_at(), now=NOW)
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-per-center", dest="per_center", action="store_false",
                        help="skip the one-center-at-a-time pass (the slow baseline)")
    parser.add_argument(
        "--dir",
        default=os.environ.get(
            "ZONGZHI_BENCH_DIR", str(Path(tempfile.gettempdir()) / "zongzhi-bench")
        ),
    )
    parser.add_argument("--pg-url", default=os.environ.get("ZONGZHI_TEST_POSTGRES_URL", PG))
    args = parser.parse_args()
    print(f"Briefing bench · {args.cases:,} cases · scope {SCOPE} · {os.cpu_count()} CPUs",
          flush=True)
    for backend in args.backends.split(","):
        r = run(backend, args)
        weekly, kpi = _p(r["weekly"], 0.5), _p(r["kpi"], 0.5)
        print(
            f"{backend:10} weekly assessment (week of {r['week']}, {r['reported']:,} reported, "
            f"{r['figures']:,} figures) p50 {weekly:7.1f} ms p95 {_p(r['weekly'], 0.95):7.1f} ms"
            f" | compute_kpis of the week p50 {kpi:6.1f} ms | ratio {weekly / kpi:5.1f}x",
            flush=True,
        )
        print(
            f"{'':10} this process's CPU per call: weekly p50 {_p(CPU['weekly'], 0.5):.1f} ms | "
            f"compute_kpis p50 {_p(CPU['kpi'], 0.5):.1f} ms (PostgreSQL works in its own process)",
            flush=True,
        )
        print(
            f"{'':10} all {r['centers']:,} daily summaries generated and stored: "
            f"{r['all_daily']:6.1f} s (CPU {r['all_daily_cpu']:.1f} s) | compute_kpis of every "
            f"center: {r['all_kpi']:5.1f} s (CPU {r['all_kpi_cpu']:.1f} s) | ratio "
            f"{r['all_daily'] / r['all_kpi']:4.1f}x",
            flush=True,
        )
        if "per_center" in r:
            print(
                f"{'':10} the same one center at a time: {r['per_center']:6.1f} s (CPU "
                f"{r['per_center_cpu']:.1f} s) | batch speed-up {r['per_center'] / r['all_daily']:4.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
