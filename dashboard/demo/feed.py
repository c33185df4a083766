"""The demo's flaky camera: an HTTP MJPEG feed that goes silent now and then.

The hub reads it like any network camera (``http://…/demo/feed/{id}.mjpg``). For
``outage`` seconds of every ``period`` the feed keeps its connection open but sends nothing,
which is what a camera whose uplink drops looks like: the watchdog sees the stall, reconnects
with backoff, the camera goes offline, a duty alert is raised, and it recovers on its own.

Like every stream it needs a login: a browser session or token that may ``stream.view`` the
camera's center. The hub itself reads it with a per-process secret sent as HTTP Basic
credentials (``http://feed:<secret>@…``, see :meth:`FlakyFeed.with_credentials`), the way a
real network camera is read; the secret is made at start and never leaves the process (camera
URLs are kept out of pages, logs and answers, and their credentials are redacted).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from config.cameras import CameraConfig
from dispatch.accounts.access import STREAM_VIEW, may
from dispatch.accounts.audit import mark_denied
from streams.jpeg import encode_jpeg
from streams.sim import SimScene, SimSpec

BOUNDARY = "demofeed"
FEED_PATH = "/demo/feed/"
#: The user name of the hub's own credential (the password is the per-process secret).
FEED_USER = "feed"


class FlakyFeed:
    def __init__(self, period: float, outage: float, fps: float = 5.0) -> None:
        if not 0 < outage < period:
            raise ValueError("outage must be shorter than the period")
        self.period, self.outage, self.fps = period, outage, fps
        self.epoch = time.monotonic()
        self.closed = False
        self.secret = secrets.token_urlsafe(24)

    def with_credentials(self, cameras: Iterable[CameraConfig]) -> list[CameraConfig]:
        """``cameras`` with the feed's credential in the URLs that point at this feed."""

        def sign(url: str | None) -> str | None:
            if url is None:
                return None
            parts = urlsplit(url)
            if not parts.path.startswith(FEED_PATH) or parts.username:
                return url
            netloc = f"{FEED_USER}:{self.secret}@{parts.netloc}"
            return urlunsplit(parts._replace(netloc=netloc))

        return [
            cam.model_copy(update={"sub_url": sign(cam.sub_url), "main_url": sign(cam.main_url)})
            for cam in cameras
        ]

    def _is_hub(self, request: Request) -> bool:
        kind, _, value = (request.headers.get("authorization") or "").partition(" ")
        if kind.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == FEED_USER and hmac.compare_digest(password.encode(), self.secret.encode())

    def refusal(self, request: Request, camera: str) -> Response | None:
        """None when the caller may watch ``camera``'s feed, else the answer."""
        from dashboard.server.access import NotAuthenticated, principal_of_scope
        from dashboard.server.services import installed, services

        if self._is_hub(request):
            return None
        try:
            if not installed():
                raise NotAuthenticated("no services")
            viewer = principal_of_scope(request.scope)
        except NotAuthenticated:
            answer = JSONResponse(
                {"error": "unauthenticated", "reason": "no_credentials",
                 "message": "请先登录或提供有效令牌 · log in or present a valid token"},
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="zongzhi"'},
            )
            # Basic too, so the hub's reader (FFmpeg) sends its credential when asked.
            answer.headers.append("WWW-Authenticate", 'Basic realm="zongzhi demo feed"')
            return answer
        path = services().camera_paths.get(camera)
        seen = path is not None and viewer.sees(path)
        if path is None and services().open_principal is viewer:
            seen = True  # an open demo (no accounts) shows every feed
        if not seen:
            mark_denied(request.scope, 404, f"camera:{camera}", path, "demo feed outside scope")
            return JSONResponse({"error": "not_found", "message": "未知摄像机 · unknown camera"}, 404)
        if not may(viewer, STREAM_VIEW):
            mark_denied(request.scope, 403, f"camera:{camera}", path, f"needs {STREAM_VIEW}")
            return JSONResponse({"error": "forbidden", "message": "无权访问 · access denied"}, 403)
        return None

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
        refused = self.refusal(request, camera)
        if refused is not None:
            refused.headers["Cache-Control"] = "no-store"
            return refused
        return StreamingResponse(
            self.frames(camera[:40]),
            media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
            headers={"Cache-Control": "no-store"},
        )


def build_feed_routes(feed: FlakyFeed) -> list[BaseRoute]:
    return [Route("/demo/feed/{camera}.mjpg", feed.endpoint, methods=["GET"])]
