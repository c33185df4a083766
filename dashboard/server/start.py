"""What starts when, in the lifespan: migrations, camera events, the hub, video sessions,
the SLA clock and housekeeping; ``stack`` stops them in reverse order.

Kept apart from :mod:`dashboard.server.app` so tests and the benchmarks can start the same
pieces without a Streamlit server.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from dashboard.server.camera_events import CameraEventSink
from dashboard.server.periodic import run_every
from dashboard.server.services import Services
from dispatch.clock import SlaClock
from dispatch.migrate import upgrade
from dispatch.scopes import camera_paths

log = logging.getLogger("dashboard.server.start")
#: Seconds between SLA clock ticks (near-deadline and overdue alerts, escalation by rule).
CLOCK_SECONDS = 30.0
PURGE_SECONDS = 3600.0  # ended sessions and quiet login throttles


def migrate(svc: Services) -> None:
    """Bring the schema up to date (the dispatch migrations)."""
    upgrade(svc.engine)


def read_camera_paths(svc: Services) -> dict[str, str]:
    with svc.session_factory() as session:
        return camera_paths(session)


async def start(svc: Services, stack: AsyncExitStack) -> None:
    """Start the process's moving parts; ``stack`` stops them in reverse order."""
    await asyncio.to_thread(migrate, svc)
    svc.camera_paths = await asyncio.to_thread(read_camera_paths, svc)
    if svc.bus is not None:
        stack.callback(svc.bus.close)
    sink = CameraEventSink(svc.session_factory)
    await sink.start()
    stack.push_async_callback(sink.stop)
    if svc.hub is not None:
        svc.hub.subscribe(sink.submit)
        stack.callback(svc.hub.unsubscribe, sink.submit)
        await svc.hub.start()
        stack.push_async_callback(svc.hub.stop)
    if svc.conference is not None:
        stack.push_async_callback(svc.conference.close)  # closed before the hub stops (LIFO)
    if svc.bus is not None:
        clock = SlaClock(svc.session_factory, svc.bus, svc.sla)
        run_every(stack, CLOCK_SECONDS, clock.run_once, "sla-clock")
    if svc.accounts_on:
        run_every(stack, PURGE_SECONDS, lambda: purge_sessions(svc), "purge-sessions")
    stack.callback(svc.engine.dispose)


def purge_sessions(svc: Services) -> int:
    """Drop long-ended browser sessions and stale login throttles (the audit keeps their story)."""
    from dispatch.accounts import sessions

    with svc.session_factory.begin() as db:
        return sessions.purge(db)
