"""The demo's flaky camera: an HTTP MJPEG feed that goes silent now and then.

The hub reads it like any network camera (``http://…/demo/feed/{id}.mjpg``). For
``outage`` seconds of every ``period`` the feed keeps its connection open but sends nothing,
which is what a camera whose uplink drops looks like: the watchdog sees the stall, reconnects
with backoff, the camera goes offline, a duty alert is raised, and it recovers on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from streams.jpeg import encode_jpeg
from streams.sim import SimScene, SimSpec

BOUNDARY = "demofeed"


class FlakyFeed:
    def __init__(self, period: float, outage: float, fps: float = 5.0) -> None:
        if not 0 < outage < period:
            raise ValueError("outage must be shorter than the period")
        self.period, self.outage, self.fps = period, outage, fps
        self.epoch = time.monotonic()
        self.closed = False

    def close(self) -> None:
        """The server is shutting down: end every feed response (within half a second)."""
        self.closed = True

    def silent(self, now: float | None = None) -> bool:
        """True during the outage, which ends each cycle (the demo starts healthy)."""
        phase = ((now if now is not None else time.monotonic()) - self.epoch) % self.period
        return phase >= self.period - self.outage

    async def frames(self, label: str) -> AsyncIterator[bytes]:
        scene = SimScene(SimSpec(width=640, height=360, fps=self.fps, label=label))
        n = 0
        while not self.closed:
            if self.silent():
                await asyncio.sleep(0.5)
                continue
            n += 1
            jpeg = encode_jpeg(scene.frame(n), 640, 70)
            yield (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            ).encode() + jpeg + b"\r\n"
            await asyncio.sleep(1 / self.fps)

    async def endpoint(self, request: Request) -> Response:
        camera = request.path_params["camera"]
        return StreamingResponse(
            self.frames(camera[:40]),
            media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
            headers={"Cache-Control": "no-store"},
        )


def build_feed_routes(feed: FlakyFeed) -> list[BaseRoute]:
    return [Route("/demo/feed/{camera}.mjpg", feed.endpoint, methods=["GET"])]
