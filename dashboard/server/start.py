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
from dashboard.server.periodic import run_briefings, run_escalation, run_every
from dashboard.server.replicas import JobLeases, exclusive
from dashboard.server.services import Services
from dispatch.clock import SlaClock
from dispatch.migrate import upgrade
from dispatch.scopes import camera_paths

log = logging.getLogger("dashboard.server.start")
#: Seconds between SLA clock ticks (near-deadline and overdue alerts, escalation by rule).
CLOCK_SECONDS = 30.0
PURGE_SECONDS = 3600.0  # ended sessions and quiet login throttles


def migrate(svc: Services) -> None:
    """Bring the schema up to date (the dispatch migrations), one process at a time."""
    with exclusive(svc.engine, "migrate"):
        upgrade(svc.engine)


def read_camera_paths(svc: Services) -> dict[str, str]:
    with svc.session_factory() as session:
        return camera_paths(session)


async def start(svc: Services, stack: AsyncExitStack) -> None:
    """Start the process's moving parts; ``stack`` stops them in reverse order.

    Jobs over the whole database run under the process's job leases (one process of a
    replicated deployment runs each, :mod:`dashboard.server.replicas`)."""
    await asyncio.to_thread(migrate, svc)
    leases = JobLeases(svc.settings.resolved_database_url)
    stack.callback(leases.close)
    svc.jobs = leases
    svc.camera_paths = await asyncio.to_thread(read_camera_paths, svc)
    if svc.bus is not None:
        stack.callback(svc.bus.close)
    clip = None
    if svc.recording is not None:  # a gathering's case gets the recording around it
        from dashboard.server.gathering_clips import gathering_clipper

        clip = gathering_clipper(svc.recording, svc.session_factory)
    sink = CameraEventSink(svc.session_factory, important=[c.id for c in svc.cameras if c.important],
                           cameras=svc.cameras, sla=svc.sla, data_dir=svc.settings.data_dir,
                           clip=clip)
    await sink.start()
    stack.push_async_callback(sink.stop)
    if svc.hub is not None:
        svc.hub.subscribe(sink.submit)
        stack.callback(svc.hub.unsubscribe, sink.submit)
        await svc.hub.start()
        stack.push_async_callback(svc.hub.stop)
    if svc.recording is not None:  # after the hub starts, stopped before it (LIFO)
        await svc.recording.start()
        stack.push_async_callback(svc.recording.stop)
    if svc.conference is not None:
        stack.push_async_callback(svc.conference.close)  # closed before the hub stops (LIFO)
    if svc.bus is not None:
        clock = SlaClock(svc.session_factory, svc.bus, svc.sla)
        run_every(stack, CLOCK_SECONDS, clock.run_once, "sla-clock", gate=leases.holds)
        run_escalation(stack, svc.session_factory, svc.settings.duty, gate=leases.holds)
        run_briefings(stack, svc.session_factory, svc.settings.briefings, gate=leases.holds)
    if svc.accounts_on:
        run_every(stack, PURGE_SECONDS, lambda: purge_sessions(svc), "purge-sessions",
                  gate=leases.holds)
    stack.callback(svc.engine.dispose)


def purge_sessions(svc: Services) -> int:
    """Drop long-ended browser sessions and stale login throttles (the audit keeps their story)."""
    from dispatch.accounts import sessions

    with svc.session_factory.begin() as db:
        return sessions.purge(db)
