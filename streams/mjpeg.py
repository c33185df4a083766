"""The MJPEG response: a small ASGI app streaming one stream's shared parts to one viewer.

Written against ASGI directly rather than with ``StreamingResponse``: per frame a viewer costs
one wake-up and one ``send`` of bytes built once for everybody. A viewer whose connection is
slow is held by the server's flow control in ``send``; when it resumes it takes the newest
picture, so it skips frames and holds nobody else back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import Receive, Scope, Send

from streams.jpeg import BOUNDARY
from streams.stream import Stream

HEADERS = [
    (b"content-type", f"multipart/x-mixed-replace; boundary={BOUNDARY}".encode()),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]


class MjpegResponse:
    def __init__(self, stream: Stream, running: Callable[[], bool]) -> None:
        self.stream, self.running = stream, running

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = self.stream
        key = stream.add_viewer()
        event = stream.viewer_event(key)
        gone = asyncio.Event()

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            event.set()

        watcher = asyncio.ensure_future(watch_disconnect())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            last = 0
            part = await asyncio.to_thread(stream.latest_part)  # the current picture at once
            while not gone.is_set() and self.running():
                if part is None or part[0] == last:
                    event.clear()
                    part = stream.ready_part()
                    if part is None or part[0] == last:
                        await event.wait()
                        continue
                seq, body = part
                if last and seq > last + 1:
                    stream.count_skipped(key, seq - last - 1)
                last = seq
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if not gone.is_set():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away in the middle of a write
        finally:
            watcher.cancel()
            stream.remove_viewer(key)
