"""One wall screen's WebSocket: its subscription, its state pushes and its tile frames.

Frames are the hub's shared JPEG bytes (encoded once per frame whoever watches). Each tile is
a hub viewer whose stream marks it dirty on this connection's loop (a callback, no task per
tile); the writer always sends the newest picture, so a slow screen only skips frames and
never holds back the hub or other screens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard.server.services import services
from dashboard.wall.state import WallStateCache
from dashboard.wall.subscription import Subscription, SubscriptionError, compute_state
from dispatch.principal import Principal

log = logging.getLogger("dashboard.wall")
STATE_INTERVAL = 0.5  # seconds between state checks; with the 1 s cache: changes show in ≤ 1.5 s


class _Tile:
    def __init__(self, camera: str, stream: Any, key: int) -> None:
        self.camera, self.stream, self.key = camera, stream, key
        self.last_seq = 0


class WallConnection:
    def __init__(self, websocket: WebSocket, principal: Principal, cache: WallStateCache) -> None:
        self.ws, self.principal, self.cache = websocket, principal, cache
        self.sub: Subscription | None = None
        self.changed = asyncio.Event()
        self.tiles: dict[str, _Tile] = {}
        self.holds: dict[str, tuple[Any, int]] = {}  # camera → (stream, packet hook key)
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
            tour = state.get("tour")
            self._hold(tour["cameras"] if tour else [])

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

    def _hold(self, cameras: list[str]) -> None:
        """Keep ``cameras``' sub-streams decoding while a tour runs over them, without encoding
        a picture for any of them until it is on the wall: a page turn then starts no decoder
        (an H.264 decoder started mid-stream waits for the next keyframe, seconds on a real
        camera) and the first picture of a tile is the stream's newest frame."""
        hub = services().hub
        if hub is None:
            return
        wanted = set(cameras) & set(hub.camera_ids())
        for cam in [c for c in self.holds if c not in wanted]:
            stream, key = self.holds.pop(cam)
            stream.remove_packet_hook(key)
        for cam in wanted - set(self.holds):
            stream = hub.open_stream(cam, "sub")
            self.holds[cam] = (stream, stream.add_packet_hook(_keep_decoding))

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
        self._hold([])


def _keep_decoding(_delivery: Any) -> None:
    """A packet hook that only marks its stream as wanted (so the reader decodes)."""
