"""Desk benchmark: search and inbox latency on generated cases, against a naive scan.

Generates the demo prefecture with each of ``--cases`` (100k and 1M by default) once per
backend and keeps it (SQLite file under ``--dir`` / ``$ZONGZHI_BENCH_DIR``; a PostgreSQL
database named after the case count), then times, in the same run:

* ``search_cases`` for accounts at the prefecture, a county, a township and a village, with
  queries of every sort (a whole number, a number fragment, a phone fragment, a name, a title
  word, an address fragment, a two-character word, a query matching nothing);
* the naive baseline: the same queries as ``LIKE '%…%'`` over the searched columns;
* ``inbox_counts`` + the first page of the fullest tab, for the same accounts.

and prints p50/p95, the ratio naive ÷ indexed and the 1-minute load average before and after
the run (numbers from a loaded machine are only comparable within one run). The accounts are
desks: their searches also cover the cases of the orders addressed to them. Usage::

    python bench/desk.py                                  # 100k and 1M, SQLite and PostgreSQL
    python bench/desk.py --cases 100000 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from _databases import bench_database  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from dispatch.db import make_engine, make_session_factory  # noqa: E402
from dispatch.demo import generate_demo  # noqa: E402
from dispatch.desk.inbox import inbox_counts, inbox_page  # noqa: E402
from dispatch.desk.search import search_cases  # noqa: E402
from dispatch.models import Case, Center, Grid  # noqa: E402
from dispatch.principal import Principal, Role  # noqa: E402
from dispatch.registry import subtree_filter  # noqa: E402
from dispatch.rollup import install_rollups  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _ensure(url: str, cases: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("cases") and "search_text" in {
                c["name"] for c in sa.inspect(conn).get_columns("cases")
            }:
                if conn.scalar(sa.text("SELECT count(*) FROM cases")) == cases:
                    return
        if url.startswith("sqlite:///"):
            engine.dispose()
            for p in Path(url.removeprefix("sqlite:///")).parent.glob(Path(url).name + "*"):
                p.unlink()
            engine = make_engine(url)
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        t = time.perf_counter()
        summary = generate_demo(install_rollups(make_session_factory(engine)), cases=cases, now=NOW, trail=False)
        print(summary, f"\n  generated in {time.perf_counter() - t:.0f} s", flush=True)
    finally:
        engine.dispose()


def _accounts(s: Session) -> list[Principal]:
    """A leader at the prefecture and operators at the busiest county, township and village."""
    out = [Principal("prefecture-leader", "532600", frozenset({Role.LEADER}))]
    for level in (2, 3, 4):
        path = s.scalar(
            sa.select(Case.owning_path)
            .where(sa.func.length(Case.owning_path) == len("532600") + {2: 7, 3: 17, 4: 30}[level])
            .group_by(Case.owning_path)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        out.append(Principal(f"level{level}-op", str(path), frozenset({Role.OPERATOR})))
    return out


def _queries(s: Session, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(sort, query) pairs drawn from the data, plus fixed ones."""
    top = int(s.scalar(sa.select(sa.func.max(Case.id))) or 1)
    out: list[tuple[str, str]] = []
    for _ in range(n):
        row = s.execute(
            sa.select(
                Case.number, Case.reporter, Case.reporter_phone, Case.address, Case.title
            ).where(Case.id == rng.randint(1, top))
        ).one()
        number = row.number or ""
        out += [
            ("number", number),
            ("number fragment", number[-6:]),
            ("title word", row.title[-4:]),
            ("address", (row.address or "")[-8:-3]),
        ]
        if row.reporter_phone:
            out += [("phone fragment", row.reporter_phone[-5:]), ("name", row.reporter)]
    out += [("two characters", "纠纷"), ("nothing", "查无此事件"), ("nothing", "zz-999999")]
    return out


def naive_search(s: Session, who: Principal, q: str, limit: int = 20) -> list[int]:
    """The baseline: ``LIKE '%q%'`` over each searched column, newest first."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    grid_names = sa.select(Grid.id).where(Grid.name.like(pattern, escape="\\"))
    columns = (Case.number, Case.title, Case.description, Case.reporter, Case.reporter_phone,
               Case.address)  # fmt: skip
    return list(
        s.scalars(
            sa.select(Case.id)
            .where(
                subtree_filter(Case.owning_path, who.center_path),
                sa.or_(
                    *(c.like(pattern, escape="\\") for c in columns), Case.grid_id.in_(grid_names)
                ),
            )  # fmt: skip
            .order_by(Case.id.desc())
            .limit(limit)
        )
    )


def _inbox(s: Session, who: Principal) -> None:
    """What a desk loads on opening: the counts and the first page of the fullest tab."""
    counts = inbox_counts(s, who)
    if counts:
        inbox_page(s, who, max(counts, key=lambda t: counts[t]), now=NOW)


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(backend: str, cases: int, args: argparse.Namespace) -> None:
    url = bench_database(backend, f"desk_{cases}", Path(args.dir), args.pg_url)
    _ensure(url, cases)
    load_before = os.getloadavg()[0]
    engine = make_engine(url)
    rng = random.Random(7)
    with make_session_factory(engine)() as s:
        accounts = _accounts(s)
        queries = _queries(s, rng, args.samples)
        times: dict[str, list[float]] = {"search": [], "naive": [], "inbox": []}
        by_sort: dict[str, list[float]] = {}
        by_account: dict[str, list[float]] = {}
        for who in accounts:
            for sort, q in queries:
                search = partial(search_cases, s, who, q)
                search()  # warm
                ms = min(_timed(search) for _ in range(2))
                times["search"].append(ms)
                by_sort.setdefault(sort, []).append(ms)
                by_account.setdefault(who.actor, []).append(ms)
            for _sort, q in rng.sample(queries, min(args.naive_queries, len(queries))):
                times["naive"].append(_timed(partial(naive_search, s, who, q)))
            for _ in range(args.inbox_runs):
                times["inbox"].append(_timed(partial(_inbox, s, who)))
        name = s.scalar(sa.select(Center.name).where(Center.path == accounts[1].center_path))
    engine.dispose()
    search95, naive95 = _p(times["search"], 0.95), _p(times["naive"], 0.95)
    print(
        f"{backend:10} {cases:>9,} cases | search p50 {_p(times['search'], 0.5):6.1f} ms "
        f"p95 {search95:6.1f} ms (n={len(times['search'])}) | naive LIKE p50 "
        f"{_p(times['naive'], 0.5):7.1f} ms p95 {naive95:7.1f} ms (n={len(times['naive'])}) | "
        f"ratio naive/indexed p95 {naive95 / search95:5.1f}x | inbox p50 "
        f"{_p(times['inbox'], 0.5):6.1f} ms p95 {_p(times['inbox'], 0.95):6.1f} ms | "
        f"load {load_before:.1f}→{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print("  search p95 by query:  " + "; ".join(
        f"{k} {_p(v, 0.95):.1f}" for k, v in by_sort.items()), flush=True)  # fmt: skip
    print("  search p95 by account: " + "; ".join(
        f"{k} {_p(v, 0.95):.1f}" for k, v in by_account.items()) + f" (county: {name})",
        flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--samples", type=int, default=15, help="cases queries are drawn from")
    parser.add_argument("--naive-queries", type=int, default=6, help="per account")
    parser.add_argument("--inbox-runs", type=int, default=20, help="per account")
    parser.add_argument(
        "--dir",
        default=os.environ.get(
            "ZONGZHI_BENCH_DIR", str(Path(tempfile.gettempdir()) / "zongzhi-bench")
        ),
    )
    parser.add_argument("--pg-url", default=os.environ.get("ZONGZHI_TEST_POSTGRES_URL", PG))
    args = parser.parse_args()
    print(f"desk bench · {os.cpu_count()} CPUs · note: 2 shared cores; compare ratios within a run",
          flush=True)  # fmt: skip
    for cases in args.cases:
        for backend in args.backends.split(","):
            run(backend, cases, args)


if __name__ == "__main__":
    main()
