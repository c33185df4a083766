"""WebRTC in and out with aiortc: WHIP ingest (RFC 9725) and WHEP viewing.

A WHIP publisher's video lands in a camera's inbox and from there behaves like any camera
(tiles, snapshots, health, tamper). A WHEP viewer of an H.264 camera receives the camera's own
packets (no decode, no re-encode) when its offer accepts H.264; otherwise, and for sources that
are not H.264, it receives the hub's decoded frames, encoded by aiortc.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import secrets
import time
from dataclasses import dataclass, field

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from config.cameras import CameraConfig
from config.streams import StreamSettings
from streams.hub import StreamHub
from streams.jpeg import yuv420p_copy
from streams.sources import Delivery, is_push_url
from streams.stream import Stream
from streams.types import StreamRole

log = logging.getLogger("streams.webrtc")
_CLOCK = 90000
_TIME_BASE = fractions.Fraction(1, _CLOCK)


class SdpError(ValueError):
    """The offer could not be used; the message says why (answered with 400)."""


class AlreadyPublishing(RuntimeError):
    """The camera already has a WHIP publisher (answered with 409)."""


def check_offer(sdp: str) -> None:
    """Cheap checks before aiortc parses: clear reasons instead of parser internals."""
    if not sdp.strip():
        raise SdpError("empty SDP offer / SDP 报文为空")
    if not sdp.lstrip().startswith("v=0"):
        raise SdpError("not an SDP offer: it must start with 'v=0' / 不是有效的 SDP")
    if "\nm=video" not in sdp.replace("\r\n", "\n"):
        raise SdpError("the offer has no video section (m=video) / SDP 中没有视频")


def _h264_in_offer(sdp: str) -> bool:
    return "H264/90000" in sdp.upper()


class HubTrack(MediaStreamTrack):
    """Video from a hub stream to one WebRTC viewer; a slow viewer only drops frames."""

    kind = "video"

    def __init__(self, stream: Stream, passthrough: bool) -> None:
        super().__init__()
        self.stream, self.passthrough = stream, passthrough
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[av.Packet | av.VideoFrame] = asyncio.Queue(maxsize=2)
        self._need_key = True
        self._start = time.monotonic()
        self._pts0: int | None = None
        self._extradata = stream.extradata if passthrough else None
        self._key = stream.add_packet_hook(self._deliver)

    def _deliver(self, item: Delivery) -> None:  # reader thread
        if self.passthrough:
            if item.packet is None:
                return
            payload: av.Packet | av.VideoFrame = item.packet
            key = item.keyframe
        else:
            if item.frame is None:
                return
            payload, key = item.frame, True
        try:
            self._loop.call_soon_threadsafe(self._put, payload, key)
        except RuntimeError:  # loop closed: the viewer is gone
            pass

    def _put(self, payload: av.Packet | av.VideoFrame, key: bool) -> None:
        if self.passthrough:
            # A passed-through packet depends on the ones before it: after a drop, resume at
            # the next keyframe instead of sending a broken picture.
            if self._need_key and not key:
                return
            if self._queue.full():
                self._need_key = True
                return
            self._need_key = False
            self._queue.put_nowait(payload)
            return
        if self._queue.full():
            self._queue.get_nowait()  # decoded frames are independent: keep the newest
        self._queue.put_nowait(payload)

    async def recv(self) -> av.Packet | av.VideoFrame:  # type: ignore[override]
        if self.readyState != "live":
            raise _media_error()
        payload = await self._queue.get()
        if isinstance(payload, av.Packet):
            return self._prepare_packet(payload)
        # Frames are shared by every viewer: give the encoder a copy carrying our timestamp.
        frame = yuv420p_copy(payload)
        frame.pts, frame.time_base = int((time.monotonic() - self._start) * _CLOCK), _TIME_BASE
        return frame

    def _prepare_packet(self, packet: av.Packet) -> av.Packet:
        data = bytes(packet)
        if packet.is_keyframe and self._extradata and not _has_sps(data):
            data = self._extradata + data  # parameter sets only in the SDP: send them in-band
        out = av.Packet(data)
        if packet.pts is not None and packet.time_base is not None:
            # The camera's own presentation time (right for B-frames), from this viewer's start.
            pts = int(packet.pts * packet.time_base * _CLOCK)
            if self._pts0 is None:
                self._pts0 = pts
            out.pts = pts - self._pts0
        else:
            out.pts = int((time.monotonic() - self._start) * _CLOCK)
        out.time_base = _TIME_BASE
        return out

    def stop(self) -> None:
        self.stream.remove_packet_hook(self._key)
        super().stop()


def _media_error() -> Exception:
    from aiortc.mediastreams import MediaStreamError

    return MediaStreamError()


def _has_sps(annexb: bytes) -> bool:
    i = annexb.find(b"\x00\x00\x01")
    while i != -1 and i + 3 < len(annexb):
        if annexb[i + 3] & 0x1F == 7:
            return True
        i = annexb.find(b"\x00\x00\x01", i + 3)
    return False


@dataclass
class Session:
    kind: str  # "whip" or "whep"
    camera_id: str
    pc: RTCPeerConnection
    dynamic_camera: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    tracks: list[MediaStreamTrack] = field(default_factory=list)
    passthrough: bool = False


class WebRtcGateway:
    """Owns every peer connection made through WHIP and WHEP; ``close()`` frees them all."""

    def __init__(self, hub: StreamHub, settings: StreamSettings) -> None:
        self.hub, self.settings = hub, settings
        self.sessions: dict[str, Session] = {}

    def configuration(self) -> RTCConfiguration:
        # Always an explicit list: aiortc falls back to a public STUN server when given None.
        servers = [
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in self.settings.ice_servers
        ]
        return RTCConfiguration(iceServers=servers)

    async def publish(self, offer: str, camera_id: str, center: str | None, name: str | None) -> tuple[str, str]:
        """WHIP: accept ``offer`` for ``camera_id``; returns (answer SDP, resource id).

        A configured camera with a ``whip:`` URL receives the feed; an unknown id creates a
        camera in ``center`` that lasts as long as the session.
        """
        check_offer(offer)
        if any(s.kind == "whip" and s.camera_id == camera_id for s in self.sessions.values()):
            raise AlreadyPublishing(f"camera {camera_id} already has a publisher / 该摄像机已在推流")
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
        session = Session("whip", camera_id, pc, dynamic_camera=dynamic)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                session.tasks.append(asyncio.ensure_future(self._pump(track, inbox)))

        return await self._answer(session, offer)

    async def _pump(self, track: MediaStreamTrack, inbox: object) -> None:
        from aiortc.mediastreams import MediaStreamError

        try:
            while True:
                frame = await track.recv()
                inbox.put(frame)  # type: ignore[attr-defined]
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
        passthrough = stream.passthrough and _h264_in_offer(offer)
        pc = RTCPeerConnection(self.configuration())
        session = Session("whep", camera_id, pc, passthrough=passthrough)
        track = HubTrack(stream, passthrough)
        session.tracks.append(track)
        # The transceiver exists before the offer is applied, so aiortc negotiates with our
        # codec preference (preferences set later do not change the answer).
        transceiver = pc.addTransceiver(track, direction="sendonly")
        # H.264 first: passed through when the source is H.264, else encoded by x264 with
        # zero-latency tuning (measured tighter p95 than VP8 here); VP8 when the offer lacks it.
        codecs = RTCRtpSender.getCapabilities("video").codecs
        order = ["video/h264"] if passthrough else ["video/h264", "video/vp8"]
        transceiver.setCodecPreferences(
            [c for mime in order for c in codecs if c.mimeType.lower() == mime]
            + [c for c in codecs if c.mimeType.lower() == "video/rtx"]
        )
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        except Exception as exc:
            await self._close(session)
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        return await self._answer(session, None)

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
            return False
        await self._close(session)
        log.info("%s session for %s ended", session.kind, session.camera_id)
        return True

    async def _close(self, session: Session) -> None:
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
