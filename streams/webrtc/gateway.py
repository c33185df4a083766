"""The WebRTC gateway of the hub: WHIP ingest (RFC 9725) and WHEP viewing of cameras.

A WHIP publisher's video lands in a camera's inbox and from there behaves like any camera
(tiles, snapshots, health, tamper). One publisher per camera; a publisher that went away
without ``DELETE`` (no picture from it for the camera's stall threshold, or its connection
failed) is replaced by the next one at once. A WHEP viewer of an H.264 camera receives the camera's own
packets (no decode, no re-encode) when its offer accepts H.264; otherwise, and for sources that
are not H.264, it receives the hub's decoded frames, encoded by aiortc.

With ``camera_offers`` (the Janus engine), a camera Janus pulls itself is viewed through its
Streaming mountpoint: ``view_offer`` brings Janus's offer, ``view_answer`` the viewer's answer;
no media passes through this process.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from config.cameras import CameraConfig
from config.streams import StreamSettings
from streams.hub import StreamHub
from streams.sources import FrameInbox, is_push_url
from streams.types import StreamRole
from streams.webrtc.hub_track import HubTrack
from streams.webrtc.peer import ice_configuration
from streams.webrtc.sdp import SdpError, check_offer, h264_in_offer, video_codecs

log = logging.getLogger("streams.webrtc")


class AlreadyPublishing(RuntimeError):
    """The camera already has a WHIP publisher (answered with 409)."""


class CameraOffers(Protocol):
    """A media engine that serves live camera views by its own offer (``JanusMedia``)."""

    def serves_camera(self, camera_id: str, role: str = "sub") -> bool: ...

    async def camera_offer(self, camera_id: str, role: str = "sub") -> tuple[str, str]: ...

    async def camera_answer(self, resource: str, answer: str) -> None: ...

    async def camera_end(self, resource: str) -> bool: ...


@dataclass
class Session:
    kind: str  # "whip" or "whep"
    camera_id: str
    pc: RTCPeerConnection
    dynamic_camera: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    tracks: list[MediaStreamTrack] = field(default_factory=list)
    passthrough: bool = False
    inbox: FrameInbox | None = None  # WHIP: where its pictures go (counted as a publisher)
    started: float = field(default_factory=time.monotonic)
    last_picture: float | None = None  # monotonic
    counted: bool = False  # counted in its inbox's publishers


class WebRtcGateway:
    """Owns every peer connection made through WHIP and WHEP; ``close()`` frees them all."""

    def __init__(self, hub: StreamHub, settings: StreamSettings,
                 camera_offers: CameraOffers | None = None) -> None:
        self.hub, self.settings, self.camera_offers = hub, settings, camera_offers
        self.sessions: dict[str, Session] = {}

    def configuration(self) -> RTCConfiguration:
        """The configuration of every peer connection made here (ICE servers from settings)."""
        return ice_configuration(self.settings)

    async def publish(self, offer: str, camera_id: str, center: str | None, name: str | None) -> tuple[str, str]:
        """WHIP: accept ``offer`` for ``camera_id``; returns (answer SDP, resource id).

        A configured camera with a ``whip:`` URL receives the feed; an unknown id creates a
        camera in ``center`` that lasts as long as the session.
        """
        check_offer(offer)
        inherited = await self._replace_stale(camera_id)
        dynamic = camera_id not in self.hub.camera_ids()
        if not dynamic and not is_push_url(self.hub.camera(camera_id).config.sub_url):
            raise SdpError(f"camera {camera_id} is not a WHIP camera / 该摄像机不接受推流")
        if dynamic:
            try:
                cfg = CameraConfig(id=camera_id, name=name or camera_id, center=center or "",
                                   sub_url="whip:")
            except ValueError as exc:
                raise SdpError(f"bad camera id or center for a new publisher: {exc.errors()[0]['msg']}") from None  # type: ignore[attr-defined]
            await asyncio.to_thread(self.hub.add_camera, cfg)
        inbox = self.hub.camera(camera_id).sub.inbox
        assert inbox is not None
        pc = RTCPeerConnection(self.configuration())
        session = Session("whip", camera_id, pc, dynamic_camera=dynamic or inherited, inbox=inbox)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                session.tasks.append(asyncio.ensure_future(self._pump(track, session)))

        answer = await self._answer(session, offer)
        inbox.publishers += 1
        session.counted = True
        return answer

    def stale(self, session: Session) -> bool:
        """A publisher gone without ``DELETE``: no picture from it for the stall threshold."""
        if session.pc.connectionState in ("failed", "closed", "disconnected"):
            return True
        try:
            threshold = self.hub.stall_threshold(session.camera_id)
        except KeyError:
            return True
        return time.monotonic() - (session.last_picture or session.started) > threshold

    async def _replace_stale(self, camera_id: str) -> bool:
        """End the camera's stale WHIP session (the camera stays); raise AlreadyPublishing
        when a live one feeds it. Returns whether the ended session had created the camera."""
        inherited = False
        for resource, old in list(self.sessions.items()):
            if old.kind != "whip" or old.camera_id != camera_id:
                continue
            if not self.stale(old):
                raise AlreadyPublishing(f"camera {camera_id} already has a publisher / 该摄像机已在推流")
            logging.getLogger(f"streams.{camera_id}").info("stale publisher replaced")
            inherited = inherited or old.dynamic_camera
            old.dynamic_camera = False  # the new publisher keeps the camera
            await self.end(resource)
        return inherited

    async def _pump(self, track: MediaStreamTrack, session: Session) -> None:
        assert session.inbox is not None
        try:
            while True:
                frame = await track.recv()
                session.last_picture = time.monotonic()
                session.inbox.put(frame)
        except (MediaStreamError, asyncio.CancelledError):
            return

    async def view(self, offer: str, camera_id: str, role: StreamRole) -> tuple[str, str]:
        """WHEP: answer ``offer`` with ``camera_id``'s video; returns (answer SDP, resource id)."""
        check_offer(offer)
        # Opening may wait for a main stream's old reader to end: keep that off the event loop.
        stream = await asyncio.to_thread(self.hub.open_stream, camera_id, role)
        deadline = time.monotonic() + self.settings.connect_timeout
        while stream.codec is None and stream.inbox is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # a main stream just opened: learn its codec first
        passthrough = stream.passthrough and h264_in_offer(offer)
        pc = RTCPeerConnection(self.configuration())
        session = Session("whep", camera_id, pc, passthrough=passthrough)
        track = HubTrack(stream, passthrough)
        session.tracks.append(track)
        # The transceiver exists before the offer is applied, so aiortc negotiates with our
        # codec preference (preferences set later do not change the answer).
        transceiver = pc.addTransceiver(track, direction="sendonly")
        # H.264 first: passed through when the source is H.264, else encoded by x264 with
        # zero-latency tuning (measured tighter p95 than VP8 here); VP8 when the offer lacks it.
        order = ["video/h264"] if passthrough else ["video/h264", "video/vp8"]
        transceiver.setCodecPreferences(video_codecs(*order))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        except Exception as exc:
            await self._close(session)
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        return await self._answer(session, None)

    async def view_offer(self, camera_id: str, role: StreamRole) -> tuple[str, str]:
        """WHEP without an offer: the engine's offer for ``camera_id`` (the viewer answers by
        :meth:`view_answer`); returns (offer SDP, resource id)."""
        if self.camera_offers is None or not self.camera_offers.serves_camera(camera_id, role):
            raise SdpError("empty SDP offer / SDP 为空")
        try:
            return await self.camera_offers.camera_offer(camera_id, role)
        except LookupError:
            raise SdpError(f"camera {camera_id} has no picture yet / 摄像机暂无画面") from None

    async def view_answer(self, resource: str, answer: str) -> bool:
        """The viewer's answer to :meth:`view_offer`; False when there is no such resource."""
        if self.camera_offers is None:
            return False
        try:
            await self.camera_offers.camera_answer(resource, answer)
        except LookupError:
            return False
        return True

    async def _answer(self, session: Session, offer: str | None) -> tuple[str, str]:
        pc = session.pc
        try:
            if offer is not None:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self._close(session)
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        resource = secrets.token_urlsafe(16)
        self.sessions[resource] = session

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and resource in self.sessions:
                await self.end(resource)

        log.info("%s session for %s started%s", session.kind, session.camera_id,
                 " (H.264 pass-through)" if session.passthrough else "")
        return pc.localDescription.sdp, resource

    async def end(self, resource: str) -> bool:
        """End a WHIP or WHEP session; ``False`` when there is no such resource."""
        session = self.sessions.pop(resource, None)
        if session is None:
            return self.camera_offers is not None and await self.camera_offers.camera_end(resource)
        await self._close(session)
        log.info("%s session for %s ended", session.kind, session.camera_id)
        return True

    async def _close(self, session: Session) -> None:
        if session.inbox is not None and session.counted:
            session.inbox.publishers -= 1
            session.counted = False
        for track in session.tracks:
            track.stop()
        for task in session.tasks:
            task.cancel()
        await session.pc.close()
        if session.dynamic_camera:
            await asyncio.to_thread(self.hub.remove_camera, session.camera_id)

    async def close(self) -> None:
        for resource in list(self.sessions):
            await self.end(resource)
