"""What several app processes share through the database, checked without servers: each
timed job runs in one process at a time (and passes on when that process goes), start-up work
takes turns, and a single sign-on identity cookie opens one session whichever process sees it.

"Processes" here are separate database connections, which is what the server sees of them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import timedelta

import psycopg
from sqlalchemy.engine import make_url

from dashboard.server.periodic import run_every
from dashboard.server.replicas import JobLeases, exclusive, lock_key
from dispatch import migrate
from dispatch.accounts import handoff
from dispatch.accounts.crypto import utcnow
from dispatch.db import make_engine, make_session_factory


def wait_until(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_job_runs_in_one_process_and_passes_on_when_it_goes(postgres_url: str) -> None:
    first, second = JobLeases(postgres_url), JobLeases(postgres_url)
    try:
        assert first.holds("sla-clock"), first.last_error
        assert not second.holds("sla-clock")  # the same job is not run twice
        assert second.holds("briefings")  # another job is free for the other process
        assert not first.holds("briefings")
        assert first.holds("sla-clock")  # kept round after round
        first.close()  # the process stops (or dies: the server drops its connection's locks)
        # The server releases the lock once its backend has seen the connection end: soon
        # after, not at once; the product asks again at the job's next round.
        assert wait_until(lambda: second.holds("sla-clock")), second.last_error
        assert second.held() == {"sla-clock", "briefings"}
    finally:
        first.close()
        second.close()


def test_a_lost_lease_connection_gives_the_job_up(postgres_url: str) -> None:
    leases, other = JobLeases(postgres_url), JobLeases(postgres_url)
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        assert leases.holds("duty-escalation")
        with psycopg.connect(conninfo, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'zongzhi-jobs %' AND datname = current_database()"
            ).fetchall()
        assert killed
        # Both processes lost their lease link; whichever asks first once the server has let
        # the lock go takes the job, and then the other does not.
        taken: list[JobLeases] = []
        assert wait_until(lambda: any(x.holds("duty-escalation") and not taken.append(x)
                                      for x in (other, leases)))
        rest = other if taken[0] is leases else leases
        assert not rest.holds("duty-escalation")
    finally:
        leases.close()
        other.close()


def test_a_round_runs_only_while_the_gate_says_so() -> None:
    ran: list[int] = []
    asked: list[str] = []
    open_gate = threading.Event()

    def gate(name: str) -> bool:
        asked.append(name)
        return open_gate.is_set()

    async def main() -> None:
        async with AsyncExitStack() as stack:
            run_every(stack, 0.02, lambda: ran.append(1), "gated-job", gate=gate)
            await asyncio.sleep(0.3)
            assert ran == [] and asked and set(asked) == {"gated-job"}
            open_gate.set()
            for _ in range(100):
                if ran:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(main())
    assert ran


def test_every_job_is_this_process_s_on_sqlite() -> None:
    leases = JobLeases("sqlite:///unused.db")
    assert leases.holds("sla-clock") and leases.holds("sla-clock")
    assert not leases.shared


def test_start_up_work_takes_turns(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    inside: list[str] = []
    overlap: list[bool] = []

    def worker(name: str) -> None:
        with exclusive(engine, "migrate"):
            overlap.append(bool(inside))
            inside.append(name)
            time.sleep(0.3)
            inside.remove(name)

    try:
        threads = [threading.Thread(target=worker, args=(f"p{i}",)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert overlap == [False, False, False]
        assert lock_key("migrate") == lock_key("migrate") != lock_key("import")
    finally:
        engine.dispose()


def test_an_identity_cookie_opens_one_session_across_processes(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        migrate.upgrade(engines[0])
        factories = [make_session_factory(e) for e in engines]
        digest = handoff.cookie_digest("signed-identity-cookie")
        answers = []
        for factory in factories:  # the first process hands off, the copy elsewhere is refused
            with factory.begin() as db:
                answers.append(handoff.first_use(db, digest, 60))
        assert answers == [True, False]
        with factories[1].begin() as db:
            assert handoff.first_use(db, handoff.cookie_digest("another cookie"), 60)
        # An entry past its time is dropped, and the same digest is fresh again.
        with factories[0].begin() as db:
            assert handoff.first_use(db, digest, 60, now=utcnow() + timedelta(minutes=10))
    finally:
        for e in engines:
            e.dispose()
