"""Jobs that run on a timer inside the process, one task each: the SLA clock's tick and
housekeeping (session purge).

A job is a plain function run in a worker thread; a failure is logged and the next round
still runs, so one bad tick or night does not stop the job for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

log = logging.getLogger("dashboard.server.periodic")


async def _every(seconds: float, job: Callable[[], Any], name: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(job)
        except Exception:
            log.exception("timed job %s failed; next try in %.0f s", name, seconds)
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass


def run_every(stack: AsyncExitStack, seconds: float, job: Callable[[], Any], name: str) -> None:
    """Run ``job`` now and then every ``seconds`` until ``stack`` closes (which waits for it)."""
    stop = asyncio.Event()
    task = asyncio.create_task(_every(seconds, job, name, stop), name=name)

    async def end() -> None:
        stop.set()
        await task

    stack.push_async_callback(end)


__all__ = ["run_every"]
