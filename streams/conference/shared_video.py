"""Encode a feed's video once, send it to every viewer: H.264 packets shared by all.

aiortc encodes per sender, so a room of N participants each viewing N − 1 others and the
cameras would run N × (N + 1) video encoders. A :class:`SharedEncoder` reads one relayed source
track, encodes each picture once with libx264 (baseline, zero latency, parameter sets repeated
on every keyframe) and hands the same packets to each :class:`EncodedTrack`; aiortc's sender
only packetizes them (``H264Encoder.pack``). A viewer that joins or falls behind waits for the
next keyframe; joining asks the encoder for one at once, losses recover at the next
periodic keyframe (every ``keyframe_seconds``).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time

import av
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError

from streams.jpeg import yuv420p_copy
from streams.webrtc.hub_track import CLOCK, TIME_BASE

log = logging.getLogger("streams.shared_encode")


class EncodedTrack(MediaStreamTrack):
    """One viewer's H.264 track; a slow viewer drops to the next keyframe, nobody waits."""

    kind = "video"

    def __init__(self, encoder: SharedEncoder) -> None:
        super().__init__()
        self._encoder = encoder
        self._queue: asyncio.Queue[tuple[bytes, int] | None] = asyncio.Queue(maxsize=4)
        self._need_key = True

    def put(self, data: bytes, keyframe: bool, pts: int) -> None:
        if self._need_key and not keyframe:
            return
        if self._queue.full():
            self._need_key = True
            self._encoder.request_keyframe()
            return
        self._need_key = False
        self._queue.put_nowait((data, pts))

    def finish(self) -> None:
        while self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        item = await self._queue.get()
        if item is None:
            self.stop()
            raise MediaStreamError
        packet = av.Packet(item[0])
        packet.pts, packet.time_base = item[1], TIME_BASE
        return packet

    def stop(self) -> None:
        self._encoder.unsubscribe(self)
        super().stop()


class SharedEncoder:
    """One H.264 encoder for one feed; encodes only while someone subscribes."""

    def __init__(self, relay: MediaRelay, source: MediaStreamTrack, name: str,
                 bitrate: int = 800_000, keyframe_seconds: float = 2.0) -> None:
        self.name, self.bitrate, self.keyframe_seconds = name, bitrate, keyframe_seconds
        self._source = relay.subscribe(source, buffered=False)
        self._subscribers: set[EncodedTrack] = set()
        self._codec: av.CodecContext | None = None
        self._want_key = True
        self._last_key = 0.0
        self._t0 = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self.encoded = 0

    @property
    def live(self) -> bool:
        return self._task is None or not self._task.done()

    def subscribe(self) -> EncodedTrack:
        track = EncodedTrack(self)
        self._subscribers.add(track)
        self.request_keyframe()
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        return track

    def unsubscribe(self, track: EncodedTrack) -> None:
        self._subscribers.discard(track)

    def request_keyframe(self) -> None:
        self._want_key = True

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                frame = await self._source.recv()
                if not self._subscribers:
                    continue  # keep reading (the relay drops nothing on our account)
                now = time.monotonic()
                key = self._want_key or now - self._last_key >= self.keyframe_seconds
                self._want_key = False
                if key:
                    self._last_key = now
                pts = int((now - self._t0) * CLOCK)
                packets = await loop.run_in_executor(None, self._encode, frame, key)
                for data, keyframe in packets:
                    for track in list(self._subscribers):
                        track.put(data, keyframe, pts)
        except (MediaStreamError, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("shared encoder for %s failed", self.name)
        finally:
            for track in list(self._subscribers):
                track.finish()

    def _encode(self, frame: av.VideoFrame, key: bool) -> list[tuple[bytes, bool]]:
        codec = self._codec
        if codec is None or codec.width != frame.width or codec.height != frame.height:
            codec = self._codec = self._open(frame.width, frame.height)
            key = True
        # A private copy: the relayed frame is shared with other readers.
        picture = yuv420p_copy(frame)
        picture.pict_type = av.video.frame.PictureType.I if key else av.video.frame.PictureType.NONE
        picture.pts, picture.time_base = self.encoded, codec.time_base
        out = [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(picture)]
        self.encoded += 1
        return out

    def _open(self, width: int, height: int) -> av.CodecContext:
        codec = av.CodecContext.create("libx264", "w")
        codec.width, codec.height = width, height
        codec.bit_rate = self.bitrate
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(30, 1)
        codec.time_base = fractions.Fraction(1, 30)
        codec.profile = "Baseline"
        # Parameter sets on every keyframe: a viewer joining mid-stream can start there.
        codec.options = {"level": "31", "tune": "zerolatency", "preset": "ultrafast",
                         "x264-params": "repeat-headers=1:keyint=infinite:scenecut=0"}
        return codec

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._source.stop()
        for track in list(self._subscribers):
            track.finish()
        self._subscribers.clear()
        self._codec = None
