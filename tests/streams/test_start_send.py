"""``start_send``: a send runs at once up to its first wait, and its rest finishes in a task."""

from __future__ import annotations

import asyncio

import pytest

from streams.mjpeg import start_send


class Gate:
    """A send that writes at once while open and waits while closed (like flow control)."""

    def __init__(self) -> None:
        self.open = True
        self.drained: asyncio.Future[None] | None = None
        self.written: list[bytes] = []
        self.cleaned = False

    async def send(self, message: dict) -> None:
        try:
            if not self.open:
                self.drained = asyncio.get_running_loop().create_future()
                await self.drained
            if message.get("fail"):
                raise ConnectionResetError("peer went away")
            self.written.append(message["body"])
        finally:
            self.cleaned = True


async def held(gate: Gate, message: dict) -> asyncio.Future[None]:
    """Start ``message`` through a closed gate; its rest, running in a task, waiting."""
    gate.open = False
    rest = start_send(gate.send, message)
    assert rest is not None and gate.written == [] and gate.drained is not None
    task = asyncio.ensure_future(rest)  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    return task


def test_a_send_that_need_not_wait_is_done_on_return() -> None:
    async def run() -> None:
        gate = Gate()
        assert start_send(gate.send, {"body": b"a"}) is None
        assert gate.written == [b"a"] and gate.cleaned

    asyncio.run(run())


def test_a_held_send_finishes_in_a_task_once_released() -> None:
    async def run() -> None:
        gate = Gate()
        task = await held(gate, {"body": b"b"})
        assert not task.done(), "it waits for the transport, not for us"
        assert gate.drained is not None
        gate.drained.set_result(None)
        await asyncio.wait_for(task, 1)
        assert gate.written == [b"b"]

    asyncio.run(run())


def test_errors_before_and_after_the_wait_reach_the_caller() -> None:
    async def run() -> None:
        gate = Gate()
        with pytest.raises(ConnectionResetError):
            start_send(gate.send, {"body": b"c", "fail": True})
        task = await held(gate, {"body": b"d", "fail": True})
        assert gate.drained is not None
        gate.drained.set_result(None)
        with pytest.raises(ConnectionResetError):
            await task
        assert gate.written == []

    asyncio.run(run())


def test_cancelling_the_rest_cancels_the_send() -> None:
    async def run() -> None:
        gate = Gate()
        task = await held(gate, {"body": b"e"})
        gate.cleaned = False
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert gate.cleaned and gate.written == []
        assert gate.drained is not None and gate.drained.cancelled()

    asyncio.run(run())
