"""Cameras on Janus: one Streaming-plugin mountpoint per camera, pulling its RTSP stream.

Janus's own RTSP client reads the camera and forwards its H.264 RTP to every viewer as it is
(no decode, no encode, no Python on the media path). The camera's user and password are taken
out of the URL and given to Janus as ``rtsp_user`` / ``rtsp_pwd``, so they never appear in an
answer, a log line or an error of this product. Mountpoints are private, carry a secret and a
viewer PIN known only to the product, and live until the engine closes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from streams.janus.client import JanusClient, JanusError

log = logging.getLogger("streams.janus")
STREAMING = "janus.plugin.streaming"
CANT_CREATE = 456  # JANUS_STREAMING_ERROR_CANT_CREATE (an id already taken, among others)


@dataclass(frozen=True)
class Mountpoint:
    id: int
    camera_id: str
    secret: str
    pin: str


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``rtsp://user:pw@host/path`` → (``rtsp://host/path``, user, password)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, unquote(parts.username or ""), unquote(parts.password or "")


class Mountpoints:
    """Creates a camera's mountpoint at its first viewer; :meth:`close` destroys them all."""

    def __init__(self, janus: JanusClient, admin_key: str | None, first_id: int) -> None:
        self.janus, self.admin_key, self.next_id = janus, admin_key, first_id
        self.made: dict[str, Mountpoint] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.handle: int | None = None

    async def _handle(self) -> int:
        if self.handle is None:
            self.handle = await self.janus.attach(STREAMING)
        return self.handle

    async def ensure(self, camera_id: str, url: str) -> Mountpoint:
        """The camera's mountpoint, once Janus has its video (viewers of one camera arriving
        together wait for the same mountpoint)."""
        async with self.locks.setdefault(camera_id, asyncio.Lock()):
            made = self.made.get(camera_id)
            if made is None:
                made = self.made[camera_id] = await self._create(camera_id, url)
            await self.wait_media(made)
            return made

    async def _create(self, camera_id: str, url: str) -> Mountpoint:
        clean, user, password = split_credentials(url)
        mp = Mountpoint(self.next_id, camera_id, secrets.token_urlsafe(16), secrets.token_urlsafe(16))
        self.next_id += 1
        body: dict[str, object] = {
            "request": "create", "type": "rtsp", "id": mp.id, "name": f"camera {camera_id}",
            "description": camera_id, "secret": mp.secret, "pin": mp.pin, "is_private": True,
            "permanent": False, "url": clean, "audio": False, "video": True,
            "rtsp_failcheck": False, "rtsp_reconnect_delay": 2, "rtsp_conn_timeout": 3,
        }
        if user:
            body["rtsp_user"] = user
        if password:
            body["rtsp_pwd"] = password
        if self.admin_key:
            body["admin_key"] = self.admin_key
        for _ in range(3):
            try:
                await self.janus.request(await self._handle(), body)
                break
            except JanusError as exc:
                if exc.code != CANT_CREATE:
                    raise
                # The id is left over from an earlier run of the product: take another one.
                mp = Mountpoint(2**50 + secrets.randbelow(2**40), camera_id, mp.secret, mp.pin)
                body["id"] = mp.id
        else:
            raise JanusError("create", CANT_CREATE, "no free mountpoint id")
        log.info("camera %s: Janus mountpoint %d", camera_id, mp.id)
        return mp

    async def wait_media(self, mp: Mountpoint, timeout: float = 10.0) -> None:
        """Until Janus knows the camera's video (after its RTSP DESCRIBE and first packets):
        an offer made before that has no media line. ``LookupError`` if it never comes
        (the camera is offline; the page asks again at its next poll)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            info = await self.janus.request(await self._handle(), {
                "request": "info", "id": mp.id, "secret": mp.secret})
            if any(m.get("type") == "video" for m in info.get("info", {}).get("media", [])):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise LookupError(f"c-{mp.camera_id}")
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        if self.handle is None:
            return
        for mp in list(self.made.values()):
            try:
                await self.janus.request(self.handle, {"request": "destroy", "id": mp.id,
                                                       "secret": mp.secret})
            except Exception as exc:  # Janus gone already: nothing to free there
                log.debug("destroy mountpoint %d: %s", mp.id, exc)
        self.made.clear()
        await self.janus.detach(self.handle)
        self.handle = None
