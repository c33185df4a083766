"""Housekeeping on a timer: runs at once and then on every round, survives a failing round,
and stops with its stack (waiting for the job in hand)."""

from __future__ import annotations

import asyncio
import threading
from contextlib import AsyncExitStack

from dashboard.server.periodic import run_every


def test_runs_repeatedly_survives_failures_and_stops_with_its_stack() -> None:
    calls: list[int] = []
    threads: set[str] = set()

    def job() -> None:
        calls.append(len(calls))
        threads.add(threading.current_thread().name)
        if len(calls) == 2:
            raise RuntimeError("one bad round")

    async def main() -> int:
        async with AsyncExitStack() as stack:
            run_every(stack, 0.05, job, "test-job")
            for _ in range(200):
                if len(calls) >= 4:
                    break
                await asyncio.sleep(0.02)
        stopped_at = len(calls)
        await asyncio.sleep(0.2)
        assert len(calls) == stopped_at  # nothing runs after the stack closed
        return stopped_at

    assert asyncio.run(main()) >= 4  # the round after the failure ran too
    assert threading.main_thread().name not in threads  # the job ran off the event loop
