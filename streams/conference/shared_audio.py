"""Encode a speaker's voice once, send it to every listener: Opus packets shared by all.

aiortc encodes per sender; a :class:`SharedAudioEncoder` resamples and encodes each relayed
audio frame once with libopus, and each listener's :class:`PacketQueueTrack` only queues the
same packets for its sender to packetize. A slow listener loses its oldest packets first.
"""

from __future__ import annotations

import asyncio
import fractions
import logging

import av
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError

log = logging.getLogger("streams.shared_encode")


class PacketQueueTrack(MediaStreamTrack):
    """One listener's Opus track: packets shared by all listeners; the oldest drop first."""

    kind = "audio"

    def __init__(self, encoder: SharedAudioEncoder) -> None:
        super().__init__()
        self._encoder = encoder
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(maxsize=25)  # 0.5 s

    def put(self, packet: av.Packet | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet

    def stop(self) -> None:
        self._encoder.unsubscribe(self)
        super().stop()


class SharedAudioEncoder:
    """One Opus encoder per speaker: every listener's sender only packetizes its packets."""

    RATE = 48000

    def __init__(self, relay: MediaRelay, source: MediaStreamTrack, name: str) -> None:
        self.name = name
        self._source = relay.subscribe(source, buffered=True)  # audio: drop nothing upstream
        self._subscribers: set[PacketQueueTrack] = set()
        self._task: asyncio.Task[None] | None = None
        codec = av.CodecContext.create("libopus", "w")
        codec.bit_rate, codec.format, codec.layout = 64000, "s16", "stereo"
        codec.sample_rate, codec.time_base = self.RATE, fractions.Fraction(1, self.RATE)
        codec.options = {"application": "voip"}
        self._codec = codec
        self._resampler = av.AudioResampler(format="s16", layout="stereo", rate=self.RATE,
                                            frame_size=960)
        self._first_pts: int | None = None

    @property
    def live(self) -> bool:
        return self._task is None or not self._task.done()

    def subscribe(self) -> PacketQueueTrack:
        track = PacketQueueTrack(self)
        self._subscribers.add(track)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        return track

    def unsubscribe(self, track: PacketQueueTrack) -> None:
        self._subscribers.discard(track)

    def _encode(self, frame: av.AudioFrame) -> list[av.Packet]:
        packets: list[av.Packet] = []
        for part in self._resampler.resample(frame):
            packets += self._codec.encode(part)
        for packet in packets:
            if self._first_pts is None:
                self._first_pts = packet.pts  # libopus starts at a negative pts
            packet.pts -= self._first_pts
            packet.time_base = self._codec.time_base
        return packets

    async def _run(self) -> None:
        try:
            while True:
                frame = await self._source.recv()
                # Cheap (a few hundred µs for 20 ms): on the loop, not worth a thread hop.
                for packet in self._encode(frame):  # type: ignore[arg-type]
                    for track in list(self._subscribers):
                        track.put(packet)
        except (MediaStreamError, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("shared audio encoder for %s failed", self.name)
        finally:
            for track in list(self._subscribers):
                track.put(None)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._source.stop()
        for track in list(self._subscribers):
            track.put(None)
        self._subscribers.clear()
