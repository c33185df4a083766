"""The MJPEG response: one stream's shared parts written to one viewer.

Written against ASGI directly rather than with ``StreamingResponse``, and without a task that
wakes per picture: the stream hands each new picture to its viewers in one callback on the
event loop, and each viewer's ``send`` runs there at once (:func:`start_send`). A ``send``
nearly always finishes without waiting — the bytes go to the socket, or to the transport's
buffer — so a viewer costs one call chain and one socket write per picture, built once for
everybody. Only when the server's flow control holds a slow viewer does its ``send`` wait;
it then finishes in a task of its own, the viewer skips pictures meanwhile and takes the
newest when it resumes, and nobody else waits.

Measured (docs/streams.md): a task woken per viewer per picture cost ~3 µs more per viewer
than this hand-over (of ~15 µs, most of it the socket write); ``bench/fanout.py`` went from
1.17 to 1.13–1.15 (four runs) on the same machine.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from streams.jpeg import BOUNDARY
from streams.stream import Stream

HEADERS = [
    (b"content-type", f"multipart/x-mixed-replace; boundary={BOUNDARY}".encode()),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]


class _Rest:
    """Awaitable finishing a coroutine that was started by hand and yielded ``pending``."""

    def __init__(self, coro: Coroutine[Any, Any, None], pending: Any) -> None:
        self.coro, self.pending = coro, pending

    def __await__(self) -> Generator[Any, Any, None]:
        coro, pending = self.coro, self.pending
        while True:
            try:
                value = yield pending  # the enclosing task waits on what the coroutine awaits
            except BaseException as exc:  # cancelled (or thrown into): pass it on
                try:
                    pending = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    pending = coro.send(value)
                except StopIteration:
                    return


def start_send(send: Send, message: Message) -> Awaitable[None] | None:
    """Run ``send(message)`` up to its first wait: ``None`` if it finished, otherwise an
    awaitable for the rest (await it, or wrap it in a task). Exceptions propagate."""
    coro = send(message)
    try:
        pending = coro.send(None)  # type: ignore[attr-defined]
    except StopIteration:
        return None
    return _Rest(coro, pending)  # type: ignore[arg-type]


class _Viewer:
    """One viewer's side of the hand-over: runs on the event loop that serves its request, in
    the request's context (so layers that keep state in context variables see their own)."""

    def __init__(self, stream: Stream, send: Send, running: Callable[[], bool]) -> None:
        self.stream, self.send, self.running = stream, send, running
        self.key = 0
        self.last = 0
        self.busy = True  # a send in flight (the first picture, or one held by flow control)
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.context = contextvars.copy_context()
        self.pending: asyncio.Task[None] | None = None  # held here: the loop keeps weak refs

    def end(self, error: BaseException | None = None) -> None:
        if not self.ended.done():
            if error is None:
                self.ended.set_result(None)
            else:
                self.ended.set_exception(error)

    def on_picture(self) -> None:
        """A new picture (or a change of state): write it now unless a send is in flight."""
        if not self.busy and not self.ended.done():
            self.context.run(self._write)

    def _write(self) -> None:
        if not self.running():
            self.end()
            return
        part = self.stream.ready_part()
        if part is None or part[0] == self.last:
            return
        seq, body = part
        self.stream.delivered(self.key, self.last, seq)
        self.last = seq
        try:
            rest = start_send(self.send, {"type": "http.response.body", "body": body,
                                          "more_body": True})
        except OSError:
            self.end()  # the client went away in the middle of a write
            return
        except BaseException as exc:
            self.end(exc)
            return
        if rest is not None:  # held by flow control: finish in a task, skip pictures meanwhile
            self.busy = True
            self.pending = asyncio.get_running_loop().create_task(self._finish(rest))

    async def _finish(self, rest: Awaitable[None]) -> None:
        try:
            await rest
        except OSError:
            self.end()
            return
        except asyncio.CancelledError:
            self.end()
            raise
        except BaseException as exc:
            self.end(exc)
            return
        self.busy, self.pending = False, None
        if not self.ended.done():
            self._write()  # the newest picture, if newer than the one just written


class MjpegResponse:
    def __init__(self, stream: Stream, running: Callable[[], bool]) -> None:
        self.stream, self.running = stream, running

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = self.stream
        viewer = _Viewer(stream, send, self.running)
        viewer.key = stream.add_viewer(viewer.on_picture)

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            viewer.end()

        watcher = asyncio.ensure_future(watch_disconnect())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            part = await asyncio.to_thread(stream.latest_part)  # the current picture at once
            if part is not None:
                viewer.last = part[0]
                await send({"type": "http.response.body", "body": part[1], "more_body": True})
            viewer.busy = False
            viewer.on_picture()
            await viewer.ended
            if not watcher.done():  # ended by the server, not by the client: say so
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away in the middle of a write
        finally:
            watcher.cancel()
            stream.remove_viewer(viewer.key)
