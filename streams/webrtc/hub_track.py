"""A hub stream as a WebRTC video track for one viewer.

An H.264 camera's own packets go out as they are (no decode, no re-encode) when the viewer's
offer accepts H.264; otherwise the track carries the hub's decoded frames and aiortc encodes
them. A slow viewer only drops frames: pass-through resumes at the next keyframe.
"""

from __future__ import annotations

import asyncio
import fractions
import time

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from streams.jpeg import yuv420p_copy
from streams.sources import Delivery
from streams.stream import Stream

#: RTP clock of video (RFC 6184) and the time base of packets and frames handed to aiortc.
CLOCK = 90000
TIME_BASE = fractions.Fraction(1, CLOCK)


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
            raise MediaStreamError()
        payload = await self._queue.get()
        if isinstance(payload, av.Packet):
            return self._prepare_packet(payload)
        # Frames are shared by every viewer: give the encoder a copy carrying our timestamp.
        frame = yuv420p_copy(payload)
        frame.pts, frame.time_base = int((time.monotonic() - self._start) * CLOCK), TIME_BASE
        return frame

    def _prepare_packet(self, packet: av.Packet) -> av.Packet:
        data = bytes(packet)
        if packet.is_keyframe and self._extradata and not _has_sps(data):
            data = self._extradata + data  # parameter sets only in the SDP: send them in-band
        out = av.Packet(data)
        if packet.pts is not None and packet.time_base is not None:
            # The camera's own presentation time (right for B-frames), from this viewer's start.
            pts = int(packet.pts * packet.time_base * CLOCK)
            if self._pts0 is None:
                self._pts0 = pts
            out.pts = pts - self._pts0
        else:
            out.pts = int((time.monotonic() - self._start) * CLOCK)
        out.time_base = TIME_BASE
        return out

    def stop(self) -> None:
        self.stream.remove_packet_hook(self._key)
        super().stop()


def _has_sps(annexb: bytes) -> bool:
    i = annexb.find(b"\x00\x00\x01")
    while i != -1 and i + 3 < len(annexb):
        if annexb[i + 3] & 0x1F == 7:
            return True
        i = annexb.find(b"\x00\x00\x01", i + 3)
    return False
