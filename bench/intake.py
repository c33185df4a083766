"""Intake benchmark: cases per second through the real API, with the audit trail, and the
server's peak memory.

A uvicorn server (its own process, loopback) serves the dispatch API over a database holding
the demo prefecture's registry; ``--clients`` concurrent httpx clients post ``--cases``
reports (JSON, each with an external id on its channel) to villages across the prefecture. Each
report is one transaction: the case, its ``report`` event and the KPI rollup rows. The run
is repeated with the rollup listener left out of the server, to show what keeping the KPI
counters costs. Afterwards the database is checked: one case and one event per report, and
the rollup counted them all. Usage::

    python bench/intake.py                       # SQLite and PostgreSQL
    python bench/intake.py --backends sqlite --cases 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KINDS = ("dispute", "hazard", "service_request", "petition")


def serve(url: str, port: int, rollups: bool) -> None:
    """The server process: the API mounted at /api, as the composition root mounts it."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from dispatch.api import build_api
    from dispatch.db import make_engine, make_session_factory
    from dispatch.events import InProcessBus
    from dispatch.principal import Principal, Role
    from dispatch.rollup import install_rollups
    from dispatch.sla import Sla

    factory = make_session_factory(make_engine(url))
    if rollups:
        install_rollups(factory)  # the listeners keeping the KPI counters
    intake = Principal("bench-intake", "532600", frozenset({Role.SYSTEM}))
    api = build_api(
        factory, InProcessBus(), Sla.build(), anonymous_principal=intake,
        data_dir=Path(tempfile.mkdtemp()),
    )  # fmt: skip
    app = Starlette(routes=[Mount("/api", app=api)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _database(backend: str, directory: Path, pg_admin: str) -> str:
    if backend == "sqlite":
        path = directory / "intake.db"
        for p in directory.glob("intake.db*"):
            p.unlink()
        return f"sqlite:///{path}"
    admin_url = make_url(pg_admin)
    name = "zongzhi_bench_intake"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _post_all(port: int, bodies: list[dict[str, object]], clients: int) -> list[int]:
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    statuses: list[int] = []

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            while not queue.empty():
                body = queue.get_nowait()
                r = await client.post("/api/cases", json=body)
                statuses.append(r.status_code)

    await asyncio.gather(*(worker() for _ in range(clients)))
    return statuses


def _bodies(villages: list[tuple[str, str]], n: int, tag: str) -> list[dict[str, object]]:
    rng = random.Random(tag)
    out = []
    for i in range(n):
        village, grid = rng.choice(villages)
        out.append(
            {
                "title": "邻里纠纷（压测）", "description": "楼上漏水，协商未果", "kind": rng.choice(KINDS),
                "channel": "grid_worker", "center": village, "grid": grid,
                "external_id": f"{tag}-{i}", "reporter": "gw-bench",
            }
        )  # fmt: skip
    return out


def run(backend: str, args: argparse.Namespace, rollups: bool) -> dict[str, float]:
    from dispatch.db import make_engine, make_session_factory
    from dispatch.demo import generate_demo
    from dispatch.rollup import install_rollups, kpi_daily

    url = _database(backend, Path(args.dir), args.pg_url)
    engine = make_engine(url)
    factory = install_rollups(make_session_factory(engine))
    generate_demo(factory, seed=1, cases=0, grids=1100, now=datetime.now(UTC))
    with engine.connect() as conn:
        villages = [
            (code, grid)
            for code, grid in conn.execute(
                sa.text(
                    "SELECT c.code, min(g.code) FROM centers c JOIN grids g ON g.center_id = c.id "
                    "WHERE c.level = 4 GROUP BY c.code ORDER BY c.code"
                )
            )
        ]
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, str(port), "1" if rollups else "0"], env=env
    )
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        asyncio.run(_post_all(port, _bodies(villages, 50, "warmup"), args.clients))
        bodies = _bodies(villages, args.cases, "run")
        started = time.perf_counter()
        statuses = asyncio.run(_post_all(port, bodies, args.clients))
        elapsed = time.perf_counter() - started
        peak = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    with engine.connect() as conn:
        cases = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar()
        events = conn.execute(
            sa.text("SELECT count(*) FROM case_events WHERE action = 'report'")
        ).scalar()
        counted = conn.execute(
            sa.select(sa.func.sum(kpi_daily.c.reported)).where(kpi_daily.c.scope == "532600")
        ).scalar()
    engine.dispose()
    total = args.cases + 50
    assert statuses.count(201) + statuses.count(200) == len(statuses) == args.cases, set(statuses)
    assert cases == events == total, (cases, events)
    assert (counted == total) if rollups else not counted, counted
    return {"rate": args.cases / elapsed, "seconds": elapsed, "peak_mb": peak}


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--dir", default=os.environ.get("ZONGZHI_BENCH_DIR", tempfile.mkdtemp()))
    parser.add_argument("--pg-url", default=os.environ.get("ZONGZHI_TEST_POSTGRES_URL", PG))
    args = parser.parse_args()
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    print(f"Intake bench · {args.cases:,} reports · {args.clients} clients · {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        with_r = run(backend, args, rollups=True)
        without = run(backend, args, rollups=False)
        print(
            f"{backend:10} {with_r['rate']:7.1f} cases/s with KPI rollups "
            f"({without['rate']:7.1f} without: ratio {with_r['rate'] / without['rate']:.2f}) | "
            f"server peak RSS {with_r['peak_mb']:.0f} MB ({without['peak_mb']:.0f} MB without)"
        )


if __name__ == "__main__":
    main()
