"""Several app processes on one PostgreSQL: who runs the timed jobs, and one start-up at a time.

Every ``zongzhi serve`` process behind the load balancer runs the same lifespan. Jobs over the
whole database (the SLA clock, the duty escalation, the briefings due, the session purge)
must run in one of them, not in each: a second SLA clock would raise the same overdue alert
twice in a race, two briefing schedulers would both generate the same night's briefings.

:class:`JobLeases` gives each timed job to one process through PostgreSQL session-level
advisory locks, held on a connection of its own: the first process to ask holds the job for
as long as that connection lives; when the process stops or dies, the server drops the lock
and the next process's round takes the job over. On SQLite, which one process serves, every
job is this process's.

:func:`exclusive` serialises start-up work (migrations, the deployment import) between
processes starting together: a blocking advisory lock around it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger("dashboard.server.replicas")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name`` (the same in every process)."""
    raw = hashlib.sha256(f"zongzhi:{name}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


class JobLeases:
    """Which of the deployment's timed jobs this process runs (see the module's text).

    :meth:`holds` is asked before each round of a job; it is cheap (one round trip on a
    connection kept open) and thread-safe. :meth:`close` gives every job up.
    """

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: psycopg.Connection[Any] | None = None
        self._held: set[str] = set()
        self._lock = threading.Lock()
        #: Why the last round could not ask the database ("" when it could).
        self.last_error = ""

    @property
    def shared(self) -> bool:
        """True when other processes may share the database (PostgreSQL)."""
        return _is_postgres(self._url)

    def held(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._held) if self.shared else frozenset()

    def holds(self, name: str) -> bool:
        """True when this process runs job ``name`` now (taking it if nobody holds it)."""
        if not self.shared:
            return True
        with self._lock:
            try:
                conn = self._connection()
                self.last_error = ""
                if name in self._held:
                    return True
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()
                if row is not None and row[0]:
                    self._held.add(name)
                    log.info("this process runs the timed job %s", name)
                    return True
                return False
            except psycopg.Error as exc:
                # The lease connection broke: its locks are gone with it; another process
                # may take the jobs over. Ask again next round.
                self.last_error = str(exc).strip()
                log.warning("job lease connection lost (%s); jobs of this process given up",
                            type(exc).__name__)
                self._drop()
                return False

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            self._conn.execute("SELECT 1")  # a dead link raises here, before we trust a lock
            return self._conn
        self._held.clear()
        conninfo = make_url(self._url).set(drivername="postgresql").render_as_string(hide_password=False)
        # Named with the process id, so an operator (and the tests) can tell who runs what.
        self._conn = psycopg.connect(conninfo, autocommit=True,
                                     application_name=f"zongzhi-jobs {os.getpid()}")
        return self._conn

    def _drop(self) -> None:
        self._held.clear()
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
        self._conn = None

    def close(self) -> None:
        """Give every job up (the connection closes, the server releases its locks)."""
        with self._lock:
            self._drop()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the deployment-wide lock ``name`` while the block runs (PostgreSQL; a no-op on
    SQLite). Processes starting together then migrate and import one after the other."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(name)})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(name)})
            conn.commit()


__all__ = ["JobLeases", "exclusive", "lock_key"]
