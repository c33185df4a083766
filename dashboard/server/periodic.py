"""Jobs that run on a timer inside the process, one task each: the SLA clock's tick, the duty
escalation pass (:func:`run_escalation`), the briefings due (:func:`run_briefings`) and
housekeeping (session purge).

A job is a plain function run in a worker thread; a failure is logged and the next round
still runs, so one bad tick or night does not stop the job for good. A ``gate`` (the
deployment's :class:`~dashboard.server.replicas.JobLeases`) is asked before each round: with
several app processes on one database, a job over the whole database runs in one of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from config.briefings import BriefingSchedule
from config.duty import DutyPolicy
from dispatch.briefings.schedule import BriefingScheduler
from dispatch.duty.escalation import Escalator

log = logging.getLogger("dashboard.server.periodic")


Gate = Callable[[str], bool]


def _round(job: Callable[[], Any], name: str, gate: Gate | None) -> None:
    if gate is None or gate(name):
        job()


async def _every(
    seconds: float, job: Callable[[], Any], name: str, stop: asyncio.Event, first_after: float,
    gate: Gate | None = None,
) -> None:
    if first_after > 0:
        try:
            await asyncio.wait_for(stop.wait(), first_after)
        except TimeoutError:
            pass
    while not stop.is_set():
        try:
            await asyncio.to_thread(_round, job, name, gate)
        except Exception:
            log.exception("timed job %s failed; next try in %.0f s", name, seconds)
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass


def run_every(
    stack: AsyncExitStack,
    seconds: float,
    job: Callable[[], Any],
    name: str,
    *,
    first_after: float = 0.0,
    gate: Gate | None = None,
) -> None:
    """Run ``job`` now (or after ``first_after`` seconds) and then every ``seconds`` until
    ``stack`` closes (which waits for it); a round runs only when ``gate(name)`` says so."""
    stop = asyncio.Event()
    task = asyncio.create_task(_every(seconds, job, name, stop, first_after, gate), name=name)

    async def end() -> None:
        stop.set()
        await task

    stack.push_async_callback(end)


def run_escalation(
    stack: AsyncExitStack, session_factory: sessionmaker[Session], policy: DutyPolicy,
    *, gate: Gate | None = None,
) -> Escalator:
    """The duty escalation (re-notify, notify up the levels, re-open, camera recovery) on the
    product clock: every ``policy.tick_seconds``, with the wall time of each pass."""
    escalator = Escalator(session_factory, policy)
    run_every(stack, policy.tick_seconds, escalator.run_once, "duty-escalation", gate=gate)
    return escalator


def run_briefings(
    stack: AsyncExitStack, session_factory: sessionmaker[Session], policy: BriefingSchedule,
    *, gate: Gate | None = None,
) -> BriefingScheduler:
    """Every center's 日小结 / 研判 once their periods end (``[briefings]``), checked every
    ``policy.tick_seconds``. The first check waits one round: a pass over every center is
    heavy work that should not compete with a starting server."""
    scheduler = BriefingScheduler(session_factory, policy)
    if policy.enabled:
        run_every(stack, policy.tick_seconds, scheduler.run_once, "briefings",
                  first_after=policy.tick_seconds, gate=gate)
    return scheduler


__all__ = ["run_briefings", "run_escalation", "run_every"]
