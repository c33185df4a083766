"""What a WHEP viewer of a room's feed receives: shared encoders, relayed tracks or a camera.

A participant's video goes to a viewer whose offer accepts H.264 through the feed's one
:class:`SharedEncoder`, its voice through one :class:`SharedAudioEncoder` when the offer takes
Opus; other viewers get relayed tracks that aiortc encodes for them. A hub camera ``c-<id>``
goes out as its own H.264 packets when it sends H.264, else as one decoded track per room.
"""

from __future__ import annotations

from aiortc import MediaStreamTrack

from streams.conference.room import Room, UnknownFeed
from streams.conference.shared_audio import SharedAudioEncoder
from streams.conference.shared_video import SharedEncoder
from streams.hub import StreamHub, UnknownCamera
from streams.webrtc.hub_track import HubTrack
from streams.webrtc.sdp import h264_in_offer


def feed_tracks(room: Room, hub: StreamHub | None, feed: str, offer: str, *,
                encode_once: bool) -> list[MediaStreamTrack]:
    """The tracks for one viewer of ``feed`` (``p-<participant>`` or ``c-<camera>``)."""
    if feed.startswith("c-"):
        return [_camera_track(room, hub, feed[2:], offer, encode_once=encode_once)]
    pub = room.publishers.get(feed)
    if pub is None:
        raise UnknownFeed(feed)
    out: list[MediaStreamTrack] = []
    for kind, track in sorted(pub.tracks.items()):
        if kind == "video" and encode_once and h264_in_offer(offer):
            out.append(_encoder(room, feed, track).subscribe())
        elif kind == "audio" and encode_once and "OPUS/48000" in offer.upper():
            voice = room.voices.get(feed)
            if voice is None or not voice.live:
                voice = room.voices[feed] = SharedAudioEncoder(room.relay, track, feed)
            out.append(voice.subscribe())
        else:
            out.append(room.relay.subscribe(track, buffered=kind == "audio"))
    return out


def _encoder(room: Room, feed: str, source: MediaStreamTrack) -> SharedEncoder:
    encoder = room.encoders.get(feed)
    if encoder is None or not encoder.live:
        encoder = room.encoders[feed] = SharedEncoder(room.relay, source, feed)
    return encoder


def _camera_track(room: Room, hub: StreamHub | None, camera_id: str, offer: str, *,
                 encode_once: bool) -> MediaStreamTrack:
    if hub is None:
        raise UnknownFeed(f"c-{camera_id}")
    try:
        stream = hub.open_stream(camera_id, "sub")
    except UnknownCamera:
        raise UnknownFeed(f"c-{camera_id}") from None
    if stream.passthrough and h264_in_offer(offer):
        return HubTrack(stream, passthrough=True)  # camera packets as they are: no encode
    shared = room.cameras.get(camera_id)
    if shared is None or shared.readyState != "live":
        shared = room.cameras[camera_id] = HubTrack(stream, passthrough=False)
        room.encoders.pop(f"c-{camera_id}", None)
    if encode_once and h264_in_offer(offer):
        return _encoder(room, f"c-{camera_id}", shared).subscribe()
    return room.relay.subscribe(shared, buffered=False)
