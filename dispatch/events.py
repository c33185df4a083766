"""A small publish/subscribe bus for case and alert changes.

The database is the source of truth; the bus only wakes listeners (pages, the SLA clock, other
processes), who then read what changed. :class:`InProcessBus` serves one process;
:class:`PostgresBus` carries messages between processes sharing a PostgreSQL database through
LISTEN/NOTIFY. Services queue messages on the session (:func:`queue_publish`) and
:func:`bind_bus` publishes them only after the transaction commits, so nobody is woken for a
change that was rolled back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("dispatch.events")

Handler = Callable[[str, dict[str, Any]], None]
CHANNEL = "zongzhi_events"
ALL = "*"
_PENDING = "dispatch.events.pending"


class Bus(Protocol):
    def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(topic, payload)`` for each message on ``topic`` (``"*"``: all).
        Returns a function that unsubscribes."""
        ...

    def close(self) -> None: ...


class InProcessBus:
    """Delivers synchronously to the subscribers of this process."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[topic]:
                    self._handlers[topic].remove(handler)

        return unsubscribe

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self._deliver(topic, payload)

    def _deliver(self, topic: str, payload: dict[str, Any]) -> None:
        with self._lock:
            handlers = [*self._handlers.get(topic, ()), *self._handlers.get(ALL, ())]
        for handler in handlers:
            try:
                handler(topic, payload)
            except Exception:  # one broken listener must not starve the others
                log.exception("event handler failed for %s", topic)

    def close(self) -> None:
        with self._lock:
            self._handlers.clear()


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresBus(InProcessBus):
    """LISTEN/NOTIFY on one channel; every process sharing the database receives every message.

    A named listener thread (``bus-listen``) waits for notifications and hands them to local
    subscribers; :meth:`close` stops it and joins it.
    """

    def __init__(self, database_url: str, channel: str = CHANNEL) -> None:
        super().__init__()
        self._conninfo = _conninfo(database_url)
        self._channel = channel
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._pub_lock = threading.Lock()
        self._pub = psycopg.connect(self._conninfo, autocommit=True)
        self._thread = threading.Thread(target=self._listen, name="bus-listen", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("PostgreSQL event listener did not start")

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        message = json.dumps({"topic": topic, "payload": payload}, ensure_ascii=False)
        if len(message.encode()) > 7900:  # NOTIFY payloads stop at 8000 bytes
            raise ValueError(f"event on {topic} too large for NOTIFY; publish ids, not documents")
        with self._pub_lock:
            for attempt in range(2):
                try:
                    if self._pub.closed:
                        self._pub = psycopg.connect(self._conninfo, autocommit=True)
                    self._pub.execute("SELECT pg_notify(%s, %s)", (self._channel, message))
                    return
                except psycopg.OperationalError:
                    # The server restarted or the link dropped: reconnect once, then give up.
                    # Listeners catch up from the database, which holds the truth.
                    self._pub.close()
                    if attempt:
                        log.warning("could not publish %s: database unreachable", topic)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f'LISTEN "{self._channel}"')
                    self._ready.set()
                    self._drain(conn)
            except psycopg.OperationalError:
                log.warning("event listener lost the database; reconnecting")
                self._stop.wait(1.0)

    def _drain(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            for note in conn.notifies(timeout=0.5):
                try:
                    message = json.loads(note.payload)
                    self._deliver(message["topic"], message["payload"])
                except (ValueError, KeyError):
                    log.warning("ignored a malformed notification on %s", self._channel)
                if self._stop.is_set():
                    break

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._pub_lock:
            self._pub.close()
        super().close()


def make_bus(database_url: str | None) -> Bus:
    """LISTEN/NOTIFY when the database is PostgreSQL, else in-process."""
    if database_url and database_url.startswith("postgresql"):
        return PostgresBus(database_url)
    return InProcessBus()


def queue_publish(session: Session, topic: str, payload: dict[str, Any]) -> None:
    """Publish ``payload`` once the session's transaction commits (dropped on rollback)."""
    session.info.setdefault(_PENDING, []).append((topic, payload))


def bind_bus(session_factory: sessionmaker[Session], bus: Bus) -> None:
    """Make sessions from ``session_factory`` publish their queued messages after commit.

    Binding the same bus to the same factory twice is a no-op (the API, the clock and the
    composition root may each ask for it).
    """
    bound: list[Bus] = session_factory.__dict__.setdefault("_bound_buses", [])
    if any(b is bus for b in bound):
        return
    bound.append(bus)

    def after_commit(session: Session) -> None:
        for topic, payload in session.info.pop(_PENDING, []):
            try:
                bus.publish(topic, payload)
            except Exception:  # the change is committed; a lost wake-up must not fail it
                log.exception("could not publish %s after commit", topic)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_soft_rollback", lambda s, _t: after_rollback(s))
