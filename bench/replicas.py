"""Wall and API throughput through nginx: one app process behind it vs two.

The deployment of ``examples/deploy/`` on a fresh PostgreSQL database: two ``zongzhi serve``
processes started from the unit's command line, and two Debian nginx instances rendered from
the example site, one whose upstream lists one process and one that lists both. Signed-in
clients (``--clients``, each with its own session, opened once, and its own route cookie, as
browsers) request the
wall's JSON (``/api/wall``) and a page of the case list (``/api/cases``) as fast as they are
answered, for ``--seconds``, through one nginx and then the other, ``--rounds`` times
alternating. Printed: requests per second of each round and the ratio two ÷ one of the sums.

The clients run in this process on the same two cores as the servers, nginx and PostgreSQL,
so the ratio says what a second process adds on this machine, not on a second machine.

    python bench/replicas.py                 # 3 rounds of 10 s, 16 clients
    python bench/replicas.py --quick         # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAVEAT = ("note: 2 shared cores; other work on the machine moves absolute numbers, "
          "ratios measured in the same run are the comparable figures")
PASSWORD = "Bench-Replica-Pw-1!"


def sign_in(base: str, count: int) -> list[str]:
    """``count`` sessions of the bench's account (one login each, through ``base``)."""
    import httpx

    tokens: list[str] = []
    for _ in range(count):
        with httpx.Client(base_url=base, verify=False, timeout=120) as c:
            page = c.get("/login")
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
            assert token is not None, page.text[:300]
            answer = c.post("/login", headers={"Origin": base}, data={
                "username": "bench.duty", "password": PASSWORD, "csrf_token": token.group(1)})
            assert answer.status_code == 303, answer.text[:300]
            tokens.append(c.cookies["zongzhi_session"])
    return tokens


async def _client(base: str, session: str, n: int, stop_at: float, counts: list[int],
                  errors: list[str]) -> None:
    import httpx

    # The session was opened once, on either process: it is valid on both (the database's).
    async with httpx.AsyncClient(base_url=base, verify=False, timeout=60,
                                 cookies={"zongzhi_session": session}) as c:
        paths = ["/api/wall?layout=9&lang=zh-CN", "/api/cases?limit=20"]
        i = n
        while time.monotonic() < stop_at:
            r = await c.get(paths[i % 2])
            i += 1
            if r.status_code == 200:
                counts[n] += 1
            else:
                errors.append(f"{r.request.url.path} {r.status_code}")


def measure(base: str, sessions: list[str], seconds: float) -> tuple[float, list[str]]:
    """Requests per second answered 200 through ``base`` by one client per session."""
    counts = [0] * len(sessions)
    errors: list[str] = []

    async def main() -> float:
        t0 = time.monotonic()
        await asyncio.gather(*(_client(base, s, n, t0 + seconds, counts, errors)
                               for n, s in enumerate(sessions)))
        return sum(counts) / (time.monotonic() - t0)

    return asyncio.run(main()), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pg-url", default=None, help="PostgreSQL admin URL (a database is created)")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s, 4 clients")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds, args.clients = 2.0, 1, 4

    from dispatch.accounts import users
    from dispatch.db import make_engine, make_session_factory
    from tests.deploy.cluster import (
        PG_ADMIN,
        fresh_database,
        nginx,
        render_settings,
        render_site,
        self_signed,
        start_processes,
    )
    from tests.live import free_port

    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        work.chmod(0o755)
        data = work / "data"
        data.mkdir()
        database_url = stack.enter_context(fresh_database(args.pg_url or PG_ADMIN))
        settings = work / "settings.toml"
        settings.write_text(render_settings(database_url, data), encoding="utf-8")
        processes, ports = start_processes(database_url, settings, data, worker=False)
        for proc in processes:
            stack.callback(proc.stop)
        engine = make_engine(database_url)
        with make_session_factory(engine).begin() as s:
            users.add_user(s, "bench.duty", PASSWORD, "532622", ["duty_officer", "operator"])
        engine.dispose()
        cert, key = self_signed(work)
        bases: dict[int, str] = {}
        for n, upstream in ((1, ports[:1]), (2, ports)):
            site_dir = work / f"nginx-{n}"
            site_dir.mkdir()
            site_dir.chmod(0o755)
            listen = free_port()
            bases[n] = f"https://127.0.0.1:{listen}"
            stack.enter_context(nginx(render_site(upstream, listen, site_dir, cert, key), site_dir, bases[n]))
        sessions = sign_in(bases[2], args.clients)
        measure(bases[2], sessions, 1.0)  # warm both processes
        totals = {1: 0.0, 2: 0.0}
        for r in range(args.rounds):
            for n in (1, 2) if r % 2 == 0 else (2, 1):
                rate, errors = measure(bases[n], sessions, args.seconds)
                totals[n] += rate
                note = f"  ({len(errors)} errors: {sorted(set(errors))[:3]})" if errors else ""
                print(f"round {r + 1}: {n} process(es) behind nginx: {rate:7.1f} requests/s{note}",
                      flush=True)
        for n in (1, 2):
            log = (work / f"nginx-{n}" / "access.log").read_text(encoding="utf-8")
            served = {p: log.count(f"upstream=127.0.0.1:{p} ") for p in ports}
            print(f"nginx with {n} process(es): requests per upstream {served}")
        print(f"throughput 2 processes ÷ 1 process: {totals[2] / totals[1]:.2f} "
              f"({args.clients} clients, {args.rounds} rounds of {args.seconds:.0f} s)")
        print(CAVEAT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
