"""The event bus: after-commit publishing, and LISTEN/NOTIFY between two real processes."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dispatch.cases import report_case
from dispatch.events import InProcessBus, PostgresBus, bind_bus, make_bus
from dispatch.intake import parse_intake
from tests.conftest import _reset_postgres
from tests.dispatch.factories import OPERATOR, T0, Db, intake, make_db

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import json, sys, threading
    from dispatch.events import PostgresBus
    bus = PostgresBus(sys.argv[1])
    got = threading.Event()
    def on_case(topic, payload):
        print(json.dumps({"topic": topic, "payload": payload}), flush=True)
        bus.publish("reply", {"seen": payload["id"]})
        got.set()
    bus.subscribe("case", on_case)
    print("ready", flush=True)
    ok = got.wait(60)
    bus.close()
    sys.exit(0 if ok else 3)
""")


def test_in_process_bus_publishes_only_after_commit(db: Db) -> None:
    bus = InProcessBus()
    seen: list[dict] = []
    bus.subscribe("case", lambda _t, p: seen.append(p))
    bind_bus(db.factory, bus)
    bind_bus(db.factory, bus)  # binding twice must not publish twice
    with pytest.raises(RuntimeError), db.factory.begin() as s:
        report_case(s, OPERATOR, parse_intake(intake()), sla=db.sla, now=T0)
        raise RuntimeError("rolled back")
    assert seen == []
    with db.factory.begin() as s:
        case, _ = report_case(s, OPERATOR, parse_intake(intake()), sla=db.sla, now=T0)
        assert seen == []  # not before the commit
    assert [(p["id"], p["action"], p["state"]) for p in seen] == [(case.id, "report", "reported")]


def test_a_broken_listener_does_not_starve_the_others() -> None:
    bus = InProcessBus()
    got: list[int] = []

    def broken(_t: str, _p: dict) -> None:
        raise ValueError("boom")

    bus.subscribe("x", broken)
    unsubscribe = bus.subscribe("*", lambda _t, p: got.append(p["n"]))
    bus.publish("x", {"n": 1})
    unsubscribe()
    bus.publish("x", {"n": 2})
    assert got == [1]


def test_postgres_bus_between_two_processes(postgres_url: str) -> None:
    """A case committed in this process wakes a listener in another process, which answers."""
    _reset_postgres(postgres_url)
    db = make_db(postgres_url)
    bus = make_bus(postgres_url)
    assert isinstance(bus, PostgresBus)
    replies: queue.Queue[dict] = queue.Queue()
    bus.subscribe("reply", lambda _t, p: replies.put(p))
    bind_bus(db.factory, bus)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, postgres_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        _talk(child, db, bus, replies)


def _talk(
    child: subprocess.Popen[str], db: Db, bus: PostgresBus, replies: queue.Queue[dict]
) -> None:
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        with db.factory.begin() as s:
            case, _ = report_case(
                s, OPERATOR, parse_intake(intake(title="跨进程")), sla=db.sla, now=T0
            )
        message = json.loads(child.stdout.readline())
        assert message["topic"] == "case" and message["payload"]["id"] == case.id
        assert replies.get(timeout=30) == {"seen": case.id}
        assert child.wait(timeout=30) == 0, child.stderr.read() if child.stderr else ""
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        bus.close()
        db.engine.dispose()


def test_notify_payloads_stay_small(postgres_url: str) -> None:
    bus = PostgresBus(postgres_url)
    try:
        with pytest.raises(ValueError, match="too large"):
            bus.publish("case", {"blob": "x" * 9000})
    finally:
        bus.close()


def test_postgres_bus_reconnects_after_losing_its_connections(postgres_url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    bus = PostgresBus(postgres_url)
    got: queue.Queue[dict] = queue.Queue()
    bus.subscribe("ping", lambda _t, p: got.put(p))
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # cut every other connection to this database
            killed = conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": make_url(postgres_url).database},
            ).all()
        assert len(killed) >= 2  # the listener and the publisher
        for n in range(100):  # the listener comes back within a few seconds
            bus.publish("ping", {"n": n})
            try:
                assert got.get(timeout=0.2)["n"] >= 0
                break
            except queue.Empty:
                continue
        else:
            raise AssertionError("the bus never recovered")
    finally:
        bus.close()
        admin.dispose()
