"""The wall's routes: ``GET /api/wall`` (JSON) and ``/api/wall/ws`` (figures and frames).

One WebSocket per wall screen carries everything the wall shows. The client sends a
subscription as text, ``{"scope": code, "layout": 9, "lang": "zh-CN", "cameras": null}``, and
receives:

- text: the wall state of :func:`dashboard.wall_state.wall_state`, whenever it changes;
  ``{"error": ...}`` when the subscription was refused;
- binary: a tile frame, ``[n][camera id: n bytes UTF-8][JPEG]``.

Frames are the hub's shared JPEG bytes (encoded once per frame whoever watches); each tile
waits on its own viewer event, and a slow screen only skips frames (the writer always sends
the newest picture), so it never holds back the hub or other screens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard import scope as scopes
from dashboard.access import NotAuthenticated, principal_of_scope
from dashboard.context import services
from dashboard.i18n import normalize, tr
from dashboard.wall_state import LAYOUTS, WallStateCache
from dispatch.principal import Principal

log = logging.getLogger("dashboard.wall")
STATE_INTERVAL = 0.5  # seconds between state checks; with the 1 s cache: changes show in ≤ 1.5 s
MAX_CAMERAS = 16


class SubscriptionError(ValueError):
    pass


@dataclass(frozen=True)
class Subscription:
    scope: str
    layout: int
    lang: str
    cameras: tuple[str, ...] | None

    @classmethod
    def parse(cls, raw: Any) -> Subscription:
        if not isinstance(raw, dict):
            raise SubscriptionError("subscription must be an object")
        layout = raw.get("layout", 9)
        if layout not in LAYOUTS:
            raise SubscriptionError(f"layout must be one of {LAYOUTS}")
        cams = raw.get("cameras")
        if cams is not None:
            if not isinstance(cams, list) or len(cams) > MAX_CAMERAS or not all(
                isinstance(c, str) and 0 < len(c) <= 64 for c in cams
            ):
                raise SubscriptionError(f"cameras must be a list of at most {MAX_CAMERAS} ids")
            cams = tuple(cams)
        return cls(str(raw.get("scope") or ""), int(layout), normalize(raw.get("lang")), cams)


def compute_state(principal: Principal, sub: Subscription, cache: WallStateCache) -> dict[str, Any]:
    """The state for ``sub`` as ``principal`` may see it (runs in a worker thread)."""
    svc = services()
    with svc.session_factory() as session:
        try:
            center = scopes.resolve(session, principal, sub.scope)
        except scopes.ScopeError as exc:
            return {"error": tr(exc.key, sub.lang, code=exc.code)}
    # The session is closed before waiting on the cache: a computation opens its own, and
    # screens waiting on one key must not hold pooled connections meanwhile.
    key = (center.path, sub.layout, sub.lang, sub.cameras)
    health = svc.hub.health if svc.hub is not None else None
    cams = list(sub.cameras) if sub.cameras is not None else None
    return cache.get(key, center, sub.layout, sub.lang, health, cams)


class WallFeed:
    def __init__(self, cache: WallStateCache) -> None:
        self.cache = cache

    async def http(self, request: Request) -> JSONResponse:
        try:
            principal = principal_of_scope(request.scope)
        except NotAuthenticated:
            return JSONResponse({"error": "login required / 请先登录"}, status_code=401)
        q = request.query_params
        try:
            sub = Subscription.parse({
                "scope": q.get("scope"), "layout": int(q.get("layout", "9")),
                "lang": q.get("lang"), "cameras": q.get("cameras").split(",") if q.get("cameras") else None,
            })
        except (SubscriptionError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        state = await run_in_threadpool(compute_state, principal, sub, self.cache)
        return JSONResponse(state, status_code=403 if "error" in state else 200,
                            headers={"Cache-Control": "no-store"})

    async def ws(self, websocket: WebSocket) -> None:
        try:
            principal = principal_of_scope(websocket.scope)
        except NotAuthenticated:
            await websocket.close(code=4401)
            return
        await websocket.accept()
        conn = _Connection(websocket, principal, self.cache)
        try:
            await conn.run()
        finally:
            conn.release()


class _Tile:
    def __init__(self, camera: str, stream: Any, key: int) -> None:
        self.camera, self.stream, self.key = camera, stream, key
        self.last_seq = 0


class _Connection:
    def __init__(self, websocket: WebSocket, principal: Principal, cache: WallStateCache) -> None:
        self.ws, self.principal, self.cache = websocket, principal, cache
        self.sub: Subscription | None = None
        self.changed = asyncio.Event()
        self.tiles: dict[str, _Tile] = {}
        self.dirty: set[str] = set()
        self.wake = asyncio.Event()
        self.send_lock = asyncio.Lock()
        self.last_text = ""

    async def run(self) -> None:
        tasks = [asyncio.create_task(c) for c in (self._reader(), self._states(), self._frames())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
                    log.warning("wall connection ended: %s", exc)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task

    async def _reader(self) -> None:
        while True:
            text = await self.ws.receive_text()
            try:
                self.sub = Subscription.parse(json.loads(text))
            except (SubscriptionError, ValueError) as exc:
                await self._send_text(json.dumps({"error": str(exc)}))
                continue
            self.last_text = ""
            self.changed.set()

    async def _states(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), STATE_INTERVAL)
            self.changed.clear()
            sub = self.sub
            if sub is None:
                continue
            state = await run_in_threadpool(compute_state, self.principal, sub, self.cache)
            if sub is not self.sub:
                continue  # a newer subscription arrived meanwhile
            text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
            if text != self.last_text:
                self.last_text = text
                await self._send_text(text)
            self._follow([t["camera"] for t in state.get("tiles", ())])

    async def _send_text(self, text: str) -> None:
        async with self.send_lock:
            await self.ws.send_text(text)

    # frames ---------------------------------------------------------------------------
    def _follow(self, cameras: list[str]) -> None:
        """Watch exactly ``cameras``' sub-streams."""
        hub = services().hub
        if hub is None:
            return
        for cam in [c for c in self.tiles if c not in cameras]:
            self._drop(cam)
        for cam in cameras:
            if cam in self.tiles or cam not in hub.camera_ids():
                continue
            stream = hub.open_stream(cam, "sub")
            self.tiles[cam] = _Tile(cam, stream, stream.add_viewer(partial(self._mark, cam)))
            self._mark(cam)  # send the current picture at once

    def _mark(self, cam: str) -> None:
        """A tile has a new picture (called on this loop by its stream)."""
        self.dirty.add(cam)
        self.wake.set()

    async def _frames(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.dirty:
                cam = self.dirty.pop()
                tile = self.tiles.get(cam)
                if tile is None:
                    continue
                got = tile.stream.latest_jpeg()
                if got is None:
                    got = await run_in_threadpool(tile.stream.jpeg)
                if got is None or got[0] == tile.last_seq:
                    continue
                seq, data = got
                tile.stream.delivered(tile.key, tile.last_seq, seq)
                tile.last_seq = seq
                name = cam.encode()
                async with self.send_lock:
                    await self.ws.send_bytes(bytes([len(name)]) + name + data)

    def _drop(self, cam: str) -> None:
        tile = self.tiles.pop(cam, None)
        if tile is None:
            return
        tile.stream.remove_viewer(tile.key)

    def release(self) -> None:
        for cam in list(self.tiles):
            self._drop(cam)


def build_wall_routes(cache: WallStateCache) -> list[BaseRoute]:
    feed = WallFeed(cache)
    return [
        Route("/api/wall", feed.http, methods=["GET"]),
        WebSocketRoute("/api/wall/ws", feed.ws),
    ]
