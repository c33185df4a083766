"""Live media leaves the process as it is: never gzipped.

Streamlit's gzip middleware compresses every HTTP answer whose content type it does not
exclude, and ``multipart/x-mixed-replace`` is not excluded: each MJPEG frame would be deflated
once per viewer, in a worker thread — CPU spent on JPEG bytes that do not shrink, a thread hop
per frame, and frames held in the compressor. This middleware, outermost in the stack, drops
``Accept-Encoding`` from requests for live media so the gzip layer passes them through.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths whose answers are live media (MJPEG streams, snapshots, the demo camera feed).
MEDIA_PREFIXES = ("/streams/", "/demo/feed")


class RawMediaMiddleware:
    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = MEDIA_PREFIXES) -> None:
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        await self.app(scope, receive, send)


__all__ = ["MEDIA_PREFIXES", "RawMediaMiddleware"]
