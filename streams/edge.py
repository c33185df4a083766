"""The media edge: live media leaves the process as it is, by the shortest way.

Mounted outermost among the application's middleware, for paths under ``MEDIA_PREFIXES``:

- it drops ``Accept-Encoding``. Streamlit's gzip middleware compresses every answer whose
  content type it does not exclude, and ``multipart/x-mixed-replace`` is not excluded: each
  MJPEG frame would be deflated once per viewer, in a worker thread, for JPEG bytes that do
  not shrink;
- it puts its own ``send`` into the scope under ``WIRE_SEND``. A media endpoint sends the
  response start and its first body part through the ordinary chain (authentication, session
  and audit layers see and may add to the start; a layer may hold the start back until the
  first body, as Starlette's gzip layer does even when it does not compress) and every later
  part straight to the edge's ``send``. Every layer in between
  wraps ``send`` in a coroutine of its own; per frame per viewer that was one await per layer,
  the largest Python cost of fan-out after the kernel's own.

The contract this relies on: no layer between the edge and a media endpoint rewrites streamed
body parts after the first. Compression was the one that did, and the edge switches it off for
these paths.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths whose answers are live media (MJPEG streams, snapshots, the demo camera feed).
MEDIA_PREFIXES = ("/streams/", "/demo/feed")
#: Scope key of the edge's ``send`` (absent when the app runs without the edge).
WIRE_SEND = "zongzhi.wire_send"


class MediaEdge:
    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = MEDIA_PREFIXES) -> None:
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
            scope = {**scope, "headers": headers, WIRE_SEND: send}
        await self.app(scope, receive, send)


def body_send(scope: Scope, send: Send) -> Send:
    """Where a media endpoint sends body parts: the edge's ``send`` if it is there."""
    return scope.get(WIRE_SEND, send)


__all__ = ["MEDIA_PREFIXES", "WIRE_SEND", "MediaEdge", "body_send"]
