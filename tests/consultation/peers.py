"""Real aiortc participants: publish a moving picture and a tone by WHIP, view feeds by WHEP."""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from dataclasses import dataclass, field

import av
import httpx
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from streams.sim import SimScene, SimSpec

NO_ICE_SERVERS = RTCConfiguration(iceServers=[])  # loopback host candidates only
AUDIO_RATE, AUDIO_SAMPLES = 48000, 960  # 20 ms frames


class PictureTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, label: str, width: int = 320, height: int = 240, fps: float = 15) -> None:
        super().__init__()
        self.scene = SimScene(SimSpec(width=width, height=height, fps=fps, label=label))
        self.fps, self.n, self.t0 = fps, 0, time.monotonic()

    async def recv(self) -> av.VideoFrame:
        self.n += 1
        delay = self.t0 + self.n / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = self.scene.frame(self.n)
        frame.pts, frame.time_base = int(self.n * 90000 / self.fps), fractions.Fraction(1, 90000)
        return frame


class PacketPictureTrack(MediaStreamTrack):
    """A device whose hardware encoder hands out H.264: a clip encoded once at start and looped
    as packets, so a many-participant bench on one machine measures the server, not the
    participants' software encoders."""

    kind = "video"

    def __init__(self, label: str, width: int = 320, height: int = 240, fps: float = 15,
                 frames: int = 60) -> None:
        super().__init__()
        scene = SimScene(SimSpec(width=width, height=height, fps=fps, label=label))
        codec = av.CodecContext.create("libx264", "w")
        codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
        codec.bit_rate, codec.profile = 500_000, "Baseline"
        codec.framerate = fractions.Fraction(int(fps), 1)
        codec.time_base = fractions.Fraction(1, int(fps))
        codec.options = {"tune": "zerolatency", "preset": "ultrafast", "level": "31",
                         "x264-params": f"repeat-headers=1:keyint={frames}:scenecut=0"}
        self.packets: list[bytes] = []
        for n in range(frames):
            frame = scene.frame(n)
            frame.pts = n
            self.packets += [bytes(p) for p in codec.encode(frame)]
        self.fps, self.n, self.t0 = fps, 0, time.monotonic()

    async def recv(self) -> av.Packet:  # type: ignore[override]
        delay = self.t0 + self.n / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self.packets[self.n % len(self.packets)])
        packet.pts, packet.time_base = int(self.n * 90000 / self.fps), fractions.Fraction(1, 90000)
        self.n += 1
        return packet


class ToneTrack(MediaStreamTrack):
    """A 440 Hz tone: received audio must not be silence."""

    kind = "audio"

    def __init__(self, hz: float = 440.0) -> None:
        super().__init__()
        self.hz, self.sent, self.t0 = hz, 0, time.monotonic()

    async def recv(self) -> av.AudioFrame:
        delay = self.t0 + self.sent / AUDIO_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = (np.arange(AUDIO_SAMPLES) + self.sent) / AUDIO_RATE
        samples = (8000 * np.sin(2 * math.pi * self.hz * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = AUDIO_RATE, self.sent
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self.sent += AUDIO_SAMPLES
        return frame


@dataclass
class Received:
    video_frames: int = 0
    video_sizes: set[tuple[int, int]] = field(default_factory=set)
    audio_frames: int = 0
    audio_peak: int = 0
    first_at: float | None = None
    last_at: float | None = None


class Client:
    """One participant: ``join`` publishes, ``view`` subscribes to a feed."""

    def __init__(self, base: str, link: str, label: str, width: int = 320, height: int = 240,
                 fps: float = 15) -> None:
        self.base, self.link, self.label = base, link, label
        self.size, self.fps = (width, height), fps
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.publisher: RTCPeerConnection | None = None
        self.publisher_location: str | None = None
        self.views: dict[str, tuple[RTCPeerConnection, str]] = {}
        self.received: dict[str, Received] = {}
        self.tasks: list[asyncio.Task[None]] = []

    async def state(self) -> dict:
        answer = await self.http.get(f"{self.link}/state")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def _exchange(self, pc: RTCPeerConnection, url: str) -> str:
        await pc.setLocalDescription(await pc.createOffer())
        answer = await self.http.post(url, content=pc.localDescription.sdp,
                                      headers={"Content-Type": "application/sdp"})
        assert answer.status_code == 201, answer.text
        await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        return answer.headers["location"]

    async def join(self, h264_packets: bool = False) -> None:
        pc = RTCPeerConnection(NO_ICE_SERVERS)
        if h264_packets:
            video = pc.addTransceiver(PacketPictureTrack(self.label, *self.size, fps=self.fps),
                                      direction="sendonly")
            video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                       if c.mimeType.lower() in ("video/h264", "video/rtx")])
        else:
            pc.addTransceiver(PictureTrack(self.label, *self.size, fps=self.fps),
                              direction="sendonly")
        pc.addTransceiver(ToneTrack(), direction="sendonly")
        self.publisher_location = await self._exchange(pc, f"{self.link}/whip")
        self.publisher = pc

    async def view(self, feed: str, audio: bool = True) -> Received:
        pc = RTCPeerConnection(NO_ICE_SERVERS)
        pc.addTransceiver("video", direction="recvonly")
        if audio:
            pc.addTransceiver("audio", direction="recvonly")
        got = self.received.setdefault(feed, Received())

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self.tasks.append(asyncio.ensure_future(self._consume(track, got)))

        location = await self._exchange(pc, f"{self.link}/whep/{feed}")
        self.views[feed] = (pc, location)
        return got

    async def _consume(self, track: MediaStreamTrack, got: Received) -> None:
        try:
            while True:
                frame = await track.recv()
                now = time.monotonic()
                if isinstance(frame, av.VideoFrame):
                    got.video_frames += 1
                    got.video_sizes.add((frame.width, frame.height))
                    got.first_at = got.first_at or now
                    got.last_at = now
                else:
                    got.audio_frames += 1
                    got.audio_peak = max(got.audio_peak, int(np.abs(frame.to_ndarray()).max()))
        except MediaStreamError:
            return

    async def unview(self, feed: str) -> None:
        pc, location = self.views.pop(feed)
        await self.http.delete(location)
        await pc.close()

    async def leave(self) -> None:
        answer = await self.http.post(f"{self.link}/leave")
        assert answer.status_code == 200, answer.text
        for feed in list(self.views):
            await self.unview(feed)
        if self.publisher is not None:
            await self.publisher.close()
            self.publisher = None

    async def drop(self) -> None:
        """The network goes away: peers close without a word to the server."""
        for pc, _ in self.views.values():
            await pc.close()
        self.views.clear()
        if self.publisher is not None:
            await self.publisher.close()
            self.publisher = None

    async def close(self) -> None:
        await self.drop()
        for task in self.tasks:
            task.cancel()
        await self.http.aclose()


async def wait_until(check, timeout: float = 20.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
