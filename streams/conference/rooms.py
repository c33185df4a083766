"""The media rooms of video sessions: participants publish by WHIP, everyone views by WHEP.

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

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from config.streams import StreamSettings
from streams.conference.feeds import feed_tracks
from streams.conference.room import GoneCallback, Publisher, Room, Viewer
from streams.conference.shared_video import EncodedTrack
from streams.hub import StreamHub, UnknownCamera
from streams.webrtc.hub_track import HubTrack
from streams.webrtc.peer import ice_configuration, widen_receive_buffers
from streams.webrtc.sdp import SdpError, check_offer, h264_in_offer, video_codecs

log = logging.getLogger("streams.conference")
_H264 = video_codecs("video/h264")


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
        """The configuration of every peer connection made here (ICE servers from settings)."""
        return ice_configuration(self.settings)

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
            await room.close_publisher(old, notify=False)
        pc = RTCPeerConnection(self.configuration())
        pub = Publisher(feed, label, pc, secrets.token_urlsafe(16), on_gone)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            pub.tracks[track.kind] = track
            # A sink keeps the relay reading even with no viewer (the receiver's queue would
            # grow otherwise) and keeps the newest picture for evidence snapshots.
            sink = room.relay.subscribe(track, buffered=False)
            pub.sinks.append(sink)
            pub.tasks.append(asyncio.ensure_future(pub.drain(sink)))

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
                await room.close_publisher(pub, notify=True)

        log.info("room %s: %s publishing", room_id, feed)
        return pc.localDescription.sdp, pub.resource

    # viewing ---------------------------------------------------------------------------
    async def view(self, room_id: str, feed: str, offer: str) -> tuple[str, str]:
        """WHEP: ``feed`` is ``p-<participant>`` or ``c-<camera>``; returns (answer, resource)."""
        check_offer(offer)
        room = self.room(room_id)
        tracks = feed_tracks(room, self.hub, feed, offer, encode_once=self.encode_once)
        pc = RTCPeerConnection(self.configuration())
        viewer = Viewer(feed, pc, secrets.token_urlsafe(16), tracks)
        try:
            # Transceivers made before the offer is applied take its m-lines by kind, and only
            # then do codec preferences count: shared H.264 packets need H.264 negotiated.
            for track in tracks:
                transceiver = pc.addTransceiver(track, direction="sendonly")
                if isinstance(track, (EncodedTrack, HubTrack)) and h264_in_offer(offer):
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
                await room.end_viewer(viewer.resource)

        return pc.localDescription.sdp, viewer.resource

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
                await room.close_publisher(pub, notify=False)
                return feed
        return "" if await room.end_viewer(resource) else None

    async def leave(self, room_id: str, feed: str) -> bool:
        """End ``feed``'s publishing peer (a participant leaving); False if it had none."""
        room = self.rooms.get(room_id)
        pub = room.publishers.pop(feed, None) if room else None
        if room is None or pub is None:
            return False
        await room.close_publisher(pub, notify=False)
        return True

    async def close_room(self, room_id: str) -> None:
        room = self.rooms.pop(room_id, None)
        if room is None:
            return
        await room.close()
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
