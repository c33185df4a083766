"""Video sessions on Janus: the product brokers SDP, Janus forwards the media.

One VideoRoom room per session, created at its first publisher with a room secret, a PIN and
an ``allowed`` token list, all made by the product and never shown to a browser; destroyed by
:meth:`JanusMedia.close_room` when the session ends. A participant's WHIP offer becomes a
publisher ``joinandconfigure`` (its own token, added to the room's list just before and
removed when it goes); Janus's answer goes back to the browser. Viewing is the exchange Janus's
subscribers require: the product asks Janus for a subscriber offer (``join`` as subscriber,
or ``watch`` on a camera's Streaming mountpoint), hands it to the browser, and sends the
browser's answer back with ``start``. Media flow between browsers and Janus only.

A publisher whose peer goes (Janus's ``hangup``) is reported through ``on_gone``, as the
built-in room does. Cameras Janus cannot pull itself (not ``rtsp://``: simulated or MJPEG
sources) are served by the built-in conference given as ``fallback``, with the viewer's offer.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from config.media import JanusSettings
from streams.conference.room import GoneCallback
from streams.conference.rooms import Conference
from streams.hub import StreamHub, UnknownCamera
from streams.janus.client import HandleListener, JanusClient, JanusError, JanusUnavailable
from streams.janus.mountpoints import STREAMING, Mountpoints
from streams.janus.picture import grab_picture
from streams.webrtc.sdp import SdpError, check_offer

log = logging.getLogger("streams.janus")
VIDEOROOM = "janus.plugin.videoroom"
ROOM_EXISTS = 427  # JANUS_VIDEOROOM_ERROR_ROOM_EXISTS
PUBLISHER_UP_SECONDS = 10.0  # a viewer waits this long for a publisher's peer to come up
LEFT_OVER_BASE = 2**50  # room numbers taken when the configured one is left over in Janus


@dataclass
class JanusPublisher:
    feed: str
    handle: int
    resource: str
    token: str
    on_gone: GoneCallback | None
    #: Janus reported the peer connected (``webrtcup``): only then may anyone subscribe to it.
    up: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class JanusViewer:
    feed: str
    handle: int
    resource: str


@dataclass
class JanusRoom:
    id: str
    number: int
    secret: str
    pin: str
    handle: int  # the product's own handle: create, allowed, destroy
    publishers: dict[str, JanusPublisher] = field(default_factory=dict)  # feed → publisher
    viewers: dict[str, JanusViewer] = field(default_factory=dict)  # resource → viewer


class JanusMedia:
    """The ``Media`` of ``dispatch.consultation`` on a Janus server, plus the server-offer
    exchange (:meth:`view_offer`, :meth:`view_answer`). Call :meth:`close` at shutdown."""

    def __init__(self, settings: JanusSettings, hub: StreamHub | None,
                 fallback: Conference | None = None) -> None:
        self.settings, self.hub, self.fallback = settings, hub, fallback
        self.janus = JanusClient(settings.url, api_secret=settings.api_secret,
                                 timeout=settings.request_timeout)
        self.cameras = Mountpoints(self.janus, settings.admin_key, settings.mountpoint_offset)
        self.rooms: dict[str, JanusRoom] = {}
        self.live: dict[str, JanusViewer] = {}  # resource → live camera viewer
        self.locks: dict[str, asyncio.Lock] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    # rooms -----------------------------------------------------------------------------
    async def room(self, room_id: str) -> JanusRoom:
        self.loop = asyncio.get_running_loop()
        async with self.locks.setdefault(room_id, asyncio.Lock()):
            room = self.rooms.get(room_id)
            if room is not None:
                return room
            handle = await self.janus.attach(VIDEOROOM)
            room = JanusRoom(room_id, self.settings.room_offset + int(room_id),
                             secrets.token_urlsafe(24), secrets.token_urlsafe(24), handle)
            body: dict[str, Any] = {
                "request": "create", "room": room.number, "description": f"session {room_id}",
                "secret": room.secret, "pin": room.pin, "is_private": True, "permanent": False,
                "allowed": [], "publishers": self.settings.publishers,
                "bitrate": self.settings.bitrate, "audiocodec": "opus",
                "videocodec": "h264,vp8", "fir_freq": 2, "notify_joining": False,
            }
            if self.settings.admin_key:
                body["admin_key"] = self.settings.admin_key
            for _ in range(3):
                try:
                    await self.janus.request(handle, body)
                    break
                except JanusError as exc:
                    if exc.code != ROOM_EXISTS:
                        await self.janus.detach(handle)
                        raise
                    # Left by an earlier run of the product (its secret is lost with it):
                    # this session takes a number of its own.
                    room.number = body["room"] = LEFT_OVER_BASE + secrets.randbelow(2**40)
            else:
                raise JanusError("create", ROOM_EXISTS, "no free room number")
            self.rooms[room_id] = room
            log.info("room %s: Janus VideoRoom %d created", room_id, room.number)
            return room

    async def _allowed(self, room: JanusRoom, action: str, token: str) -> None:
        await self.janus.request(room.handle, {"request": "allowed", "room": room.number,
                                               "secret": room.secret, "action": action,
                                               "allowed": [token]})

    # publishing ------------------------------------------------------------------------
    async def publish(self, room_id: str, feed: str, label: str, offer: str,
                      on_gone: GoneCallback | None = None) -> tuple[str, str]:
        """WHIP: the browser's offer to Janus as a publisher; returns (answer, resource).
        A feed already publishing (a rejoin) is replaced."""
        check_offer(offer)
        room = await self.room(room_id)
        old = room.publishers.pop(feed, None)
        if old is not None:
            await self._close_publisher(room, old, notify=False)
        pub = JanusPublisher(feed, 0, secrets.token_urlsafe(16), secrets.token_urlsafe(24), on_gone)
        await self._allowed(room, "add", pub.token)
        pub.handle = await self.janus.attach(VIDEOROOM, self._publisher_events(room, pub))
        body: dict[str, Any] = {"request": "joinandconfigure", "ptype": "publisher",
                                "room": room.number, "pin": room.pin, "token": pub.token,
                                "display": label, "audio": True, "video": True}
        if feed.startswith("p-") and feed[2:].isdigit():
            body["id"] = int(feed[2:])
        try:
            _, jsep = await self.janus.message(pub.handle, body, {"type": "offer", "sdp": offer})
        except JanusError as exc:
            await self.janus.detach(pub.handle)
            await self._allowed(room, "remove", pub.token)
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        if not jsep or jsep.get("type") != "answer":
            await self.janus.detach(pub.handle)
            raise SdpError("Janus gave no SDP answer / 媒体服务器未给出应答")
        room.publishers[feed] = pub
        log.info("room %s: %s publishing on Janus", room_id, feed)
        return str(jsep["sdp"]), pub.resource

    def _publisher_events(self, room: JanusRoom, pub: JanusPublisher) -> HandleListener:
        async def on_event(doc: dict[str, Any]) -> None:
            kind = doc.get("janus")
            if kind == "webrtcup":
                pub.up.set()
            elif kind in ("hangup", "detached") and room.publishers.get(pub.feed) is pub:
                log.info("publisher %s of room %s: %s (%s)", pub.feed, room.id, kind,
                         doc.get("reason", ""))
                room.publishers.pop(pub.feed, None)
                await self._close_publisher(room, pub, notify=True)
        return on_event

    async def _close_publisher(self, room: JanusRoom, pub: JanusPublisher, *, notify: bool) -> None:
        await self.janus.detach(pub.handle)
        try:
            await self._allowed(room, "remove", pub.token)
        except (JanusError, JanusUnavailable):
            pass  # the room is being destroyed, or Janus is gone with it
        for resource, viewer in list(room.viewers.items()):
            if viewer.feed == pub.feed:  # their subscription just lost its source
                await self._end_viewer(room, resource)
        if notify and pub.on_gone is not None:
            try:
                await pub.on_gone()
            except Exception:
                log.exception("on_gone callback failed for %s", pub.feed)

    # viewing ---------------------------------------------------------------------------
    def offers(self, room_id: str, feed: str) -> bool:
        """True when viewing ``feed`` is the server-offer exchange (Janus makes the offer)."""
        return not feed.startswith("c-") or self._camera_url(feed[2:]) is not None

    def _camera_url(self, camera_id: str, role: str = "sub") -> str | None:
        """The RTSP URL Janus pulls for ``camera_id`` (None: not a camera Janus can pull)."""
        if self.hub is None:
            return None
        try:
            config = self.hub.camera(camera_id).config
        except UnknownCamera:
            return None
        url = (config.main_url or config.sub_url) if role == "main" else config.sub_url
        return url if url.startswith(("rtsp://", "rtsps://")) else None

    async def _watch(self, camera_id: str, role: str = "sub") -> tuple[int, dict[str, Any]]:
        """A Streaming handle and its ``watch`` request for the camera's mountpoint."""
        url = self._camera_url(camera_id, role)
        if url is None:
            raise LookupError(f"c-{camera_id}")
        mp = await self.cameras.ensure(camera_id if role == "sub" else f"{camera_id}:{role}", url)
        handle = await self.janus.attach(STREAMING)
        return handle, {"request": "watch", "id": mp.id, "pin": mp.pin}

    async def view(self, room_id: str, feed: str, offer: str) -> tuple[str, str]:
        """WHEP with the viewer's offer: only for cameras served by the built-in fallback."""
        if feed.startswith("c-") and not self.offers(room_id, feed) and self.fallback is not None:
            return await self.fallback.view(room_id, feed, offer)
        raise SdpError("this media engine makes the offer: POST an empty body, then PATCH "
                       "the answer / 本媒体引擎由服务器发起协商")

    async def view_offer(self, room_id: str, feed: str) -> tuple[str, str]:
        """Janus's offer for a viewer of ``feed``; returns (offer SDP, resource)."""
        room = await self.room(room_id)
        if feed.startswith("c-"):
            handle, body = await self._watch(feed[2:])
        else:
            pub = room.publishers.get(feed)
            if pub is None or not feed[2:].isdigit():
                raise LookupError(feed)
            # Janus refuses subscribers ("no such feed") until the publisher's peer is up.
            try:
                await asyncio.wait_for(pub.up.wait(), PUBLISHER_UP_SECONDS)
            except TimeoutError:
                raise LookupError(feed) from None
            handle = await self.janus.attach(VIDEOROOM)
            body = {"request": "join", "ptype": "subscriber", "room": room.number,
                    "pin": room.pin, "streams": [{"feed": int(feed[2:])}], "autoupdate": False}
        viewer = JanusViewer(feed, handle, secrets.token_urlsafe(16))
        self.janus.listeners[handle] = self._viewer_events(room.viewers, viewer)
        offer = await self._offer(handle, body, feed)
        room.viewers[viewer.resource] = viewer
        return offer, viewer.resource

    async def _offer(self, handle: int, body: dict[str, Any], feed: str) -> str:
        try:
            _, jsep = await self.janus.message(handle, body)
        except JanusError:
            await self.janus.detach(handle)
            raise LookupError(feed) from None
        if not jsep or jsep.get("type") != "offer":
            await self.janus.detach(handle)
            raise LookupError(feed)
        return str(jsep["sdp"])

    async def view_answer(self, room_id: str, resource: str, answer: str) -> None:
        """The browser's answer to :meth:`view_offer`; ``LookupError`` if no such viewer."""
        room = self.rooms.get(room_id)
        if room is None or resource not in room.viewers:
            raise LookupError(resource)
        await self._start(room.viewers, resource, answer)

    async def _start(self, viewers: dict[str, JanusViewer], resource: str, answer: str) -> None:
        if "v=0" not in answer or "m=" not in answer:
            raise SdpError("not an SDP answer / 不是 SDP 应答")
        try:
            await self.janus.message(viewers[resource].handle, {"request": "start"},
                                     {"type": "answer", "sdp": answer})
        except JanusError as exc:
            await self._end(viewers, resource)
            raise SdpError(f"unusable SDP answer / SDP 应答无法使用: {exc}") from None

    def _viewer_events(self, viewers: dict[str, JanusViewer], viewer: JanusViewer) -> HandleListener:
        async def on_event(doc: dict[str, Any]) -> None:
            if doc.get("janus") in ("hangup", "detached"):
                await self._end(viewers, viewer.resource)
        return on_event

    async def _end_viewer(self, room: JanusRoom, resource: str) -> bool:
        return await self._end(room.viewers, resource)

    async def _end(self, viewers: dict[str, JanusViewer], resource: str) -> bool:
        viewer = viewers.pop(resource, None)
        if viewer is None:
            return False
        await self.janus.detach(viewer.handle)
        return True

    # live camera views (WHEP of a camera outside any session) --------------------------
    def serves_camera(self, camera_id: str, role: str = "sub") -> bool:
        """True when Janus pulls this camera itself (an ``rtsp://`` URL)."""
        return self._camera_url(camera_id, role) is not None

    async def camera_offer(self, camera_id: str, role: str = "sub") -> tuple[str, str]:
        """Janus's offer for a live viewer of the camera; (offer SDP, resource)."""
        self.loop = asyncio.get_running_loop()
        handle, body = await self._watch(camera_id, role)
        viewer = JanusViewer(f"c-{camera_id}", handle, secrets.token_urlsafe(16))
        self.janus.listeners[handle] = self._viewer_events(self.live, viewer)
        offer = await self._offer(handle, body, viewer.feed)
        self.live[viewer.resource] = viewer
        return offer, viewer.resource

    async def camera_answer(self, resource: str, answer: str) -> None:
        if resource not in self.live:
            raise LookupError(resource)
        await self._start(self.live, resource, answer)

    async def camera_end(self, resource: str) -> bool:
        return await self._end(self.live, resource)

    # ending ----------------------------------------------------------------------------
    async def end(self, room_id: str, resource: str) -> str | None:
        room = self.rooms.get(room_id)
        if room is None:
            return await self.fallback.end(room_id, resource) if self.fallback else None
        for feed, pub in list(room.publishers.items()):
            if pub.resource == resource:
                room.publishers.pop(feed, None)
                await self._close_publisher(room, pub, notify=False)
                return feed
        if await self._end_viewer(room, resource):
            return ""
        return await self.fallback.end(room_id, resource) if self.fallback else None

    async def leave(self, room_id: str, feed: str) -> bool:
        room = self.rooms.get(room_id)
        pub = room.publishers.pop(feed, None) if room else None
        if room is None or pub is None:
            return False
        await self._close_publisher(room, pub, notify=False)
        return True

    async def close_room(self, room_id: str) -> None:
        """Hang up every peer of the session and destroy its Janus room."""
        if self.fallback is not None:
            await self.fallback.close_room(room_id)
        room = self.rooms.pop(room_id, None)
        if room is None:
            return
        for pub in list(room.publishers.values()):
            await self._close_publisher(room, pub, notify=False)
        room.publishers.clear()
        for resource in list(room.viewers):
            await self._end_viewer(room, resource)
        try:
            await self.janus.request(room.handle, {"request": "destroy", "room": room.number,
                                                   "secret": room.secret})
        except (JanusError, JanusUnavailable) as exc:
            log.warning("room %s: destroy failed: %s", room_id, exc)
        await self.janus.detach(room.handle)
        log.info("room %s: Janus VideoRoom %d destroyed", room_id, room.number)

    def close_room_threadsafe(self, room_id: str, timeout: float = 10.0) -> None:
        """:meth:`close_room` from another thread (a Streamlit page): runs on the server loop."""
        if self.loop is None or room_id not in self.rooms:
            return
        asyncio.run_coroutine_threadsafe(self.close_room(room_id), self.loop).result(timeout)

    async def close(self) -> None:
        for room_id in list(self.rooms):
            await self.close_room(room_id)
        for resource in list(self.live):
            await self.camera_end(resource)
        await self.cameras.close()
        await self.janus.close()
        if self.fallback is not None:
            await self.fallback.close()

    # state -----------------------------------------------------------------------------
    def publishing(self, room_id: str) -> dict[str, str]:
        room = self.rooms.get(room_id)
        return {} if room is None else {f: p.resource for f, p in room.publishers.items()}

    def peer_count(self, room_id: str | None = None) -> int:
        rooms = self.rooms.values() if room_id is None else [r for r in [self.rooms.get(room_id)] if r]
        return sum(len(r.publishers) + len(r.viewers) for r in rooms)

    def snapshot(self, room_id: str, feed: str, timeout: float = 10.0) -> bytes | None:
        """The newest picture of a feed as JPEG: a camera's main stream from the hub; for a
        participant, one picture taken by a short-lived subscriber of this process (Janus
        never decodes). Blocking: call it off the server's event loop (None on it)."""
        if feed.startswith("c-"):
            if self.hub is None:
                return None
            try:
                return self.hub.snapshot(feed[2:], "main")
            except UnknownCamera:
                return None
        loop = self.loop
        if loop is None or room_id not in self.rooms or feed not in self.rooms[room_id].publishers:
            return None
        try:
            if asyncio.get_running_loop() is loop:
                return None  # waiting here would block the loop the picture comes through
        except RuntimeError:
            pass
        try:
            return asyncio.run_coroutine_threadsafe(grab_picture(self, room_id, feed, timeout),
                                                    loop).result(timeout + 5)
        except (TimeoutError, LookupError, JanusError):
            return None

    def camera_status(self, camera_id: str) -> str | None:
        if self.hub is None:
            return None
        try:
            return self.hub.camera(camera_id).status
        except UnknownCamera:
            return None
