"""One media room of a video session: who publishes, who views, and what they share.

A :class:`Room` holds the publishers (one WHIP peer per participant), the viewers (one WHEP
peer per feed watched), the relay that hands each decoded track to every subscriber, and the
encode-once H.264 and Opus encoders per feed. Ending a publisher ends its viewers too: they
hold relays of tracks that just ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import av
from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError

from streams.conference.shared_audio import SharedAudioEncoder
from streams.conference.shared_video import SharedEncoder
from streams.webrtc.hub_track import HubTrack

log = logging.getLogger("streams.conference")
GoneCallback = Callable[[], Awaitable[None]]


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

    async def drain(self, sink: MediaStreamTrack) -> None:
        """Read a relayed track of this publisher, keeping the newest picture."""
        try:
            while True:
                frame = await sink.recv()
                if isinstance(frame, av.VideoFrame):
                    self.latest, self.frames = frame, self.frames + 1
                else:
                    self.audio_frames += 1
        except (MediaStreamError, asyncio.CancelledError):
            return


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

    async def close_publisher(self, pub: Publisher, *, notify: bool) -> None:
        """Free ``pub``'s peer, tracks and encoders and end its viewers; with ``notify``, tell
        its ``on_gone`` callback (the peer went away without saying goodbye)."""
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
        for shared in (self.encoders.pop(pub.feed, None), self.voices.pop(pub.feed, None)):
            if shared is not None:
                shared.stop()
        # Viewers of this feed hold relays of tracks that just ended: free their peers too.
        for resource, viewer in list(self.viewers.items()):
            if viewer.feed == pub.feed:
                await self.end_viewer(resource)
        if notify and pub.on_gone is not None:
            try:
                await pub.on_gone()
            except Exception:
                log.exception("on_gone callback failed for %s", pub.feed)

    async def end_viewer(self, resource: str) -> bool:
        viewer = self.viewers.pop(resource, None)
        if viewer is None:
            return False
        for track in viewer.tracks:
            track.stop()
        await viewer.pc.close()
        return True

    async def close(self) -> None:
        """Free every peer connection, relay, encoder and track of the room."""
        for pub in list(self.publishers.values()):
            await self.close_publisher(pub, notify=False)
        self.publishers.clear()
        for resource in list(self.viewers):
            await self.end_viewer(resource)
        for encoder in [*self.encoders.values(), *self.voices.values()]:
            encoder.stop()
        self.encoders.clear()
        self.voices.clear()
        for track in self.cameras.values():
            track.stop()
        self.cameras.clear()
