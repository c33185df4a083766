"""The media room of a video session: participants publish by WHIP, everyone views by WHEP.

One :class:`Room` per session. A participant's WHIP offer (audio and video, send-only) gives
the room two remote tracks; aiortc decodes each once and a :class:`MediaRelay` hands the same
decoded frames to every subscriber, so N viewers cost N encodes but one decode. Viewing is one
WHEP peer per feed (a participant ``p-<id>`` with audio and video, or an attached camera
``c-<id>`` from the stream hub), so feeds come and go without renegotiating anyone's peer.

A participant whose peer fails or closes without saying goodbye is reported through the
``on_gone`` callback given at publish time (the session marks it disconnected); publishing again
with the same link replaces the old peer. :meth:`Conference.close_room` frees every peer
connection, relay and track of the room.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
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
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError

from config.streams import StreamSettings
from streams.hub import StreamHub, UnknownCamera
from streams.shared_encode import EncodedTrack, SharedAudioEncoder, SharedEncoder
from streams.webrtc import HubTrack, SdpError, _h264_in_offer, check_offer

log = logging.getLogger("streams.conference")
GoneCallback = Callable[[], Awaitable[None]]


_H264 = [c for c in RTCRtpSender.getCapabilities("video").codecs
         if c.mimeType.lower() in ("video/h264", "video/rtx")]


#: Receive buffer of each peer's UDP sockets. The kernel default (~208 KB, counted in skb
#: truesize on loopback: about a hundred packets) overflows when the event loop is held up
#: for a few hundred milliseconds by decoding and encoding threads, and a dropped audio or
#: video packet costs a whole frame. Capped by net.core.rmem_max.
RECEIVE_BUFFER = 4 * 1024 * 1024


def widen_receive_buffers(pc: RTCPeerConnection) -> None:
    """Give ``pc``'s ICE sockets a larger receive buffer (after local description is set).
    Reaches into aiortc/aioice internals; on any change there it does nothing."""
    import socket

    for transceiver in pc.getTransceivers():
        try:
            connection = transceiver.receiver.transport.transport.iceGatherer._connection
            protocols = list(connection._protocols)
        except AttributeError:
            continue
        for protocol in protocols:
            sock = getattr(protocol, "transport", None)
            sock = sock.get_extra_info("socket") if sock is not None else None
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
                except OSError:
                    pass


class UnknownFeed(LookupError):
    """No such participant publishing (or camera) in this room."""


@dataclass
class Publisher:
    feed: str
    label: str
    pc: RTCPeerConnection
    resource: str
    on_gone: GoneCallback | None
    tracks: dict[str, MediaStreamTrack] = field(default_factory=dict)  # kind → remote track
    sinks: list[MediaStreamTrack] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    latest: av.VideoFrame | None = None
    frames: int = 0  # video frames decoded from this publisher
    audio_frames: int = 0
    closed: bool = False


@dataclass
class Viewer:
    feed: str
    pc: RTCPeerConnection
    resource: str
    tracks: list[MediaStreamTrack] = field(default_factory=list)


@dataclass
class Room:
    id: str
    relay: MediaRelay = field(default_factory=MediaRelay)
    publishers: dict[str, Publisher] = field(default_factory=dict)  # feed → publisher
    viewers: dict[str, Viewer] = field(default_factory=dict)  # resource → viewer
    cameras: dict[str, HubTrack] = field(default_factory=dict)  # camera → shared decoded track
    encoders: dict[str, SharedEncoder] = field(default_factory=dict)  # feed → encode-once H.264
    voices: dict[str, SharedAudioEncoder] = field(default_factory=dict)  # feed → one Opus


class Conference:
    """Every room of the process. Call :meth:`close` at shutdown."""

    def __init__(self, hub: StreamHub | None, settings: StreamSettings, *,
                 encode_once: bool = True) -> None:
        """``encode_once``: viewers whose offer accepts H.264 share one encoder per feed
        (:mod:`streams.shared_encode`); others get their own encoder from aiortc."""
        self.hub, self.settings, self.encode_once = hub, settings, encode_once
        self.rooms: dict[str, Room] = {}
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, seen at first use

    def configuration(self) -> RTCConfiguration:
        # Always an explicit list: aiortc falls back to a public STUN server when given None.
        return RTCConfiguration(iceServers=[
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in self.settings.ice_servers
        ])

    def room(self, room_id: str) -> Room:
        self.loop = asyncio.get_running_loop()
        return self.rooms.setdefault(room_id, Room(room_id))

    def close_room_threadsafe(self, room_id: str, timeout: float = 10.0) -> None:
        """:meth:`close_room` from another thread (a Streamlit page): runs on the server loop."""
        if self.loop is None or room_id not in self.rooms:
            return
        asyncio.run_coroutine_threadsafe(self.close_room(room_id), self.loop).result(timeout)

    # publishing ------------------------------------------------------------------------
    async def publish(self, room_id: str, feed: str, label: str, offer: str,
                      on_gone: GoneCallback | None = None) -> tuple[str, str]:
        """WHIP: take ``feed``'s audio and video; returns (answer SDP, resource id).
        A feed already publishing (a rejoin before the drop was noticed) is replaced."""
        check_offer(offer)
        room = self.room(room_id)
        old = room.publishers.pop(feed, None)
        if old is not None:
            await self._close_publisher(room, old, notify=False)
        pc = RTCPeerConnection(self.configuration())
        pub = Publisher(feed, label, pc, secrets.token_urlsafe(16), on_gone)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            pub.tracks[track.kind] = track
            # A sink keeps the relay reading even with no viewer (the receiver's queue would
            # grow otherwise) and keeps the newest picture for evidence snapshots.
            sink = room.relay.subscribe(track, buffered=False)
            pub.sinks.append(sink)
            pub.tasks.append(asyncio.ensure_future(self._drain(pub, sink)))

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await pc.close()
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        widen_receive_buffers(pc)
        room.publishers[feed] = pub

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and room.publishers.get(feed) is pub:
                log.info("publisher %s of room %s: %s", feed, room_id, pc.connectionState)
                room.publishers.pop(feed, None)
                await self._close_publisher(room, pub, notify=True)

        log.info("room %s: %s publishing", room_id, feed)
        return pc.localDescription.sdp, pub.resource

    async def _drain(self, pub: Publisher, sink: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await sink.recv()
                if isinstance(frame, av.VideoFrame):
                    pub.latest, pub.frames = frame, pub.frames + 1
                else:
                    pub.audio_frames += 1
        except (MediaStreamError, asyncio.CancelledError):
            return

    async def _close_publisher(self, room: Room, pub: Publisher, *, notify: bool) -> None:
        if pub.closed:
            return
        pub.closed = True
        for sink in pub.sinks:
            sink.stop()
        for task in pub.tasks:
            task.cancel()
        await pub.pc.close()
        for track in pub.tracks.values():
            track.stop()
        for shared in (room.encoders.pop(pub.feed, None), room.voices.pop(pub.feed, None)):
            if shared is not None:
                shared.stop()
        # Viewers of this feed hold relays of tracks that just ended: free their peers too.
        for resource, viewer in list(room.viewers.items()):
            if viewer.feed == pub.feed:
                await self._end_viewer(room, resource)
        if notify and pub.on_gone is not None:
            try:
                await pub.on_gone()
            except Exception:
                log.exception("on_gone callback failed for %s", pub.feed)

    # viewing ---------------------------------------------------------------------------
    async def view(self, room_id: str, feed: str, offer: str) -> tuple[str, str]:
        """WHEP: ``feed`` is ``p-<participant>`` or ``c-<camera>``; returns (answer, resource)."""
        check_offer(offer)
        room = self.room(room_id)
        tracks = self._tracks_for(room, feed, offer)
        pc = RTCPeerConnection(self.configuration())
        viewer = Viewer(feed, pc, secrets.token_urlsafe(16), tracks)
        try:
            # Transceivers made before the offer is applied take its m-lines by kind, and only
            # then do codec preferences count: shared H.264 packets need H.264 negotiated.
            for track in tracks:
                transceiver = pc.addTransceiver(track, direction="sendonly")
                if isinstance(track, (EncodedTrack, HubTrack)) and _h264_in_offer(offer):
                    transceiver.setCodecPreferences(_H264)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            for track in tracks:
                track.stop()
            await pc.close()
            raise SdpError(f"unusable SDP offer / SDP 无法解析: {exc}") from None
        room.viewers[viewer.resource] = viewer

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._end_viewer(room, viewer.resource)

        return pc.localDescription.sdp, viewer.resource

    def _tracks_for(self, room: Room, feed: str, offer: str) -> list[MediaStreamTrack]:
        if feed.startswith("c-"):
            return [self._camera_track(room, feed[2:], offer)]
        pub = room.publishers.get(feed)
        if pub is None:
            raise UnknownFeed(feed)
        out: list[MediaStreamTrack] = []
        for kind, track in sorted(pub.tracks.items()):
            if kind == "video" and self.encode_once and _h264_in_offer(offer):
                out.append(self._encoder(room, feed, track).subscribe())
            elif kind == "audio" and self.encode_once and "OPUS/48000" in offer.upper():
                voice = room.voices.get(feed)
                if voice is None or not voice.live:
                    voice = room.voices[feed] = SharedAudioEncoder(room.relay, track, feed)
                out.append(voice.subscribe())
            else:
                out.append(room.relay.subscribe(track, buffered=kind == "audio"))
        return out

    def _encoder(self, room: Room, feed: str, source: MediaStreamTrack) -> SharedEncoder:
        encoder = room.encoders.get(feed)
        if encoder is None or not encoder.live:
            encoder = room.encoders[feed] = SharedEncoder(room.relay, source, feed)
        return encoder

    def _camera_track(self, room: Room, camera_id: str, offer: str) -> MediaStreamTrack:
        if self.hub is None:
            raise UnknownFeed(f"c-{camera_id}")
        try:
            stream = self.hub.open_stream(camera_id, "sub")
        except UnknownCamera:
            raise UnknownFeed(f"c-{camera_id}") from None
        if stream.passthrough and _h264_in_offer(offer):
            return HubTrack(stream, passthrough=True)  # camera packets as they are: no encode
        shared = room.cameras.get(camera_id)
        if shared is None or shared.readyState != "live":
            shared = room.cameras[camera_id] = HubTrack(stream, passthrough=False)
            room.encoders.pop(f"c-{camera_id}", None)
        if self.encode_once and _h264_in_offer(offer):
            return self._encoder(room, f"c-{camera_id}", shared).subscribe()
        return room.relay.subscribe(shared, buffered=False)

    async def _end_viewer(self, room: Room, resource: str) -> bool:
        viewer = room.viewers.pop(resource, None)
        if viewer is None:
            return False
        for track in viewer.tracks:
            track.stop()
        await viewer.pc.close()
        return True

    # ending ----------------------------------------------------------------------------
    async def end(self, room_id: str, resource: str) -> str | None:
        """DELETE of a WHIP or WHEP resource. Returns the feed of an ended publisher, "" for an
        ended viewer, None when the room has no such resource."""
        room = self.rooms.get(room_id)
        if room is None:
            return None
        for feed, pub in list(room.publishers.items()):
            if pub.resource == resource:
                room.publishers.pop(feed, None)
                await self._close_publisher(room, pub, notify=False)
                return feed
        return "" if await self._end_viewer(room, resource) else None

    async def leave(self, room_id: str, feed: str) -> bool:
        """End ``feed``'s publishing peer (a participant leaving); False if it had none."""
        room = self.rooms.get(room_id)
        pub = room.publishers.pop(feed, None) if room else None
        if room is None or pub is None:
            return False
        await self._close_publisher(room, pub, notify=False)
        return True

    async def close_room(self, room_id: str) -> None:
        room = self.rooms.pop(room_id, None)
        if room is None:
            return
        for pub in list(room.publishers.values()):
            await self._close_publisher(room, pub, notify=False)
        room.publishers.clear()
        for resource in list(room.viewers):
            await self._end_viewer(room, resource)
        for encoder in [*room.encoders.values(), *room.voices.values()]:
            encoder.stop()
        room.encoders.clear()
        room.voices.clear()
        for track in room.cameras.values():
            track.stop()
        room.cameras.clear()
        log.info("room %s closed", room_id)

    async def close(self) -> None:
        for room_id in list(self.rooms):
            await self.close_room(room_id)

    # state -----------------------------------------------------------------------------
    def publishing(self, room_id: str) -> dict[str, str]:
        """Feeds publishing in the room → their resource id (changes on every rejoin)."""
        room = self.rooms.get(room_id)
        return {} if room is None else {f: p.resource for f, p in room.publishers.items()}

    def peer_count(self, room_id: str | None = None) -> int:
        rooms = self.rooms.values() if room_id is None else [r for r in [self.rooms.get(room_id)] if r]
        return sum(len(r.publishers) + len(r.viewers) for r in rooms)

    def snapshot(self, room_id: str, feed: str) -> bytes | None:
        """The newest picture of a feed as JPEG (a camera's main stream for cameras)."""
        if feed.startswith("c-"):
            if self.hub is None:
                return None
            try:
                return self.hub.snapshot(feed[2:], "main")
            except UnknownCamera:
                return None
        room = self.rooms.get(room_id)
        pub = room.publishers.get(feed) if room else None
        if pub is None or pub.latest is None:
            return None
        out = io.BytesIO()
        pub.latest.to_image().save(out, format="JPEG", quality=90)
        return out.getvalue()

    def camera_status(self, camera_id: str) -> str | None:
        """online / degraded / offline for a hub camera (None if unknown): a failed camera
        shows its status on its tile instead of a frozen picture."""
        if self.hub is None:
            return None
        try:
            return self.hub.camera(camera_id).status
        except UnknownCamera:
            return None
