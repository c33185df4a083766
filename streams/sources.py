"""Where pictures come from: RTSP/HTTP/file through FFmpeg (PyAV), simulated and WHIP feeds.

A source is opened by the stream's reader thread, read until it fails or ends, then closed.
PyAV is used rather than ``cv2.VideoCapture``: it hands out YUV frames (no BGR conversion on
every frame) and the encoded packets themselves, which WHEP viewers receive without
re-encoding when the camera sends H.264.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

import av

from config.streams import StreamSettings
from streams.redact import redact_url
from streams.sim import SimScene, SimSpec

#: What a read decodes: every picture, the packet only if it is a keyframe, or nothing.
Decode = Literal["all", "key", "none"]
Transport = Literal["tcp", "udp", "auto"]


class SourceError(RuntimeError):
    """Opening or reading a source failed; the message is already free of credentials."""


@dataclass(frozen=True, eq=False)
class MuxTemplate:
    """What a muxer needs to copy packets that no demuxer stream describes (the light RTSP
    path's): the codec and the picture size. One per connection: a new template means a new
    connection, as a new demuxer stream does."""

    codec: str
    width: int
    height: int


@dataclass(frozen=True)
class Delivery:
    """One unit read from a source: a decoded picture, an encoded packet, or both."""

    frame: av.VideoFrame | None
    packet: av.Packet | None = None
    keyframe: bool = False
    #: For a packet without a demuxer stream (``packet.stream`` None): how to mux it.
    template: MuxTemplate | None = None


class Source(Protocol):
    codec: str | None  # "h264" when packets can be passed through
    expected_fps: float | None

    def read(self, decode: Decode) -> Delivery | None:
        """Next delivery; ``None`` at the end of the stream or when asked to stop."""

    def close(self) -> None: ...


def ffmpeg_options(url: str, settings: StreamSettings, transport: Transport = "tcp") -> dict[str, str]:
    # FFmpeg probes for ~5 s by default; a camera's SDP already describes the stream.
    options = {"analyzeduration": "500000", "probesize": "500000", "fflags": "nobuffer"}
    if url.lower().startswith(("rtsp://", "rtsps://")):
        options["timeout"] = str(int(settings.read_timeout * 1e6))
        if transport != "auto":  # auto: FFmpeg's own order, UDP first, then TCP
            options["rtsp_transport"] = transport
    return options


class AvSource:
    """RTSP, HTTP (MJPEG or other containers) and files, demuxed and decoded by PyAV."""

    def __init__(self, url: str, settings: StreamSettings, stop: threading.Event,
                 transport: Transport = "tcp") -> None:
        self._stop = stop
        self._file = _is_file(url)
        self._realtime = settings.file_realtime
        try:
            self._container = av.open(
                url,
                options=ffmpeg_options(url, settings, transport),
                timeout=(settings.connect_timeout, settings.read_timeout),
            )
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(f"cannot open {redact_url(url)}: {redact_url(str(exc))}") from None
        self._url = url
        try:
            self._stream = self._container.streams.video[0]
        except IndexError:
            self._container.close()
            raise SourceError(f"no video in {redact_url(url)}") from None
        self._stream.thread_type = "SLICE"  # frame threading adds a frame of latency per thread
        self.codec = self._stream.codec_context.name
        extradata = self._stream.codec_context.extradata or b""
        # RTSP gives Annex B H.264 (start codes); MP4 files give length-prefixed avcC (0x01).
        self.annexb = not extradata.startswith(b"\x01")
        self.annexb_extradata = extradata if self.annexb and extradata else None
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.expected_fps = float(rate) if rate and 0 < float(rate) <= 240 else None
        self._packets = self._container.demux(self._stream)
        self._pending: list[av.VideoFrame] = []
        self._clock0: float | None = None
        self._pts0: float = 0.0
        # The decoder has seen every packet since a keyframe: a picture decoded now is whole.
        self._continuous = False
        self._key_pending = False  # a keyframe went in, its picture has not come out yet
        self.decoded = 0  # pictures decoded (tests and benches read it)

    def read(self, decode: Decode) -> Delivery | None:
        while not self._stop.is_set():
            try:
                packet = next(self._packets)
            except StopIteration:
                if not self._file:
                    return None
                self._rewind()
                continue
            except (av.FFmpegError, OSError) as exc:
                raise SourceError(f"read failed on {redact_url(self._url)}: {redact_url(str(exc))}") from None
            if packet.size == 0:
                continue
            frame = self._decode(packet, decode)
            if self._file and self._realtime:
                self._pace(packet)
            return Delivery(frame=frame, packet=packet, keyframe=packet.is_keyframe)
        return None

    def _decode(self, packet: av.Packet, decode: Decode) -> av.VideoFrame | None:
        """Decode ``packet`` as ``decode`` asks. Full decoding starts at a keyframe (a picture
        decoded without its references is broken), so it begins within one GOP."""
        key = packet.is_keyframe
        if decode == "none" or (decode == "key" and not key and not self._key_pending):
            self._continuous = self._key_pending = False
            return None
        if decode == "all" and not self._continuous and not key:
            return None
        try:
            frames = self._stream.codec_context.decode(packet)
        except av.FFmpegError:
            frames = []  # a damaged packet: skip it, the next keyframe repairs the picture
        if key:
            self._continuous = True
        self.decoded += len(frames)
        # A decoder with reordering delay gives a keyframe's picture a packet or two later.
        self._key_pending = decode == "key" and not frames
        return frames[-1] if frames else None

    def _pace(self, packet: av.Packet) -> None:
        # Files play at their own rate, like a camera, instead of as fast as they decode.
        if packet.pts is None or packet.time_base is None:
            return
        pts = float(packet.pts * packet.time_base)
        now = time.monotonic()
        if self._clock0 is None:
            self._clock0, self._pts0 = now, pts
        delay = (pts - self._pts0) - (now - self._clock0)
        if delay > 0:
            self._stop.wait(min(delay, 1.0))

    def _rewind(self) -> None:
        self._container.seek(0)
        self._packets = self._container.demux(self._stream)
        self._clock0 = None

    def close(self) -> None:
        self._container.close()


class SimSource:
    """A paced simulated camera (see :mod:`streams.sim`)."""

    codec: str | None = None

    def __init__(self, url: str, stop: threading.Event) -> None:
        try:
            self.spec = SimSpec.parse(url)
        except ValueError as exc:
            raise SourceError(str(exc)) from None
        self.expected_fps: float | None = self.spec.fps
        self._stop = stop
        self._scene = SimScene(self.spec)
        self._n = 0
        self._next = time.monotonic()

    def read(self, decode: Decode) -> Delivery | None:
        delay = self._next - time.monotonic()
        if delay > 0 and self._stop.wait(delay):
            return None
        # Behind schedule on a busy machine: skip ahead rather than burst.
        self._next = max(self._next + 1 / self.spec.fps, time.monotonic())
        self._n += 1
        if decode == "none":  # every simulated picture is a keyframe: draw only those wanted
            return Delivery(frame=None, keyframe=True)
        frame = self._scene.frame(self._n, wall_ms=int(time.time() * 1000))
        frame.pts, frame.time_base = self._n, Fraction(1, 1) / Fraction(self.spec.fps)
        return Delivery(frame=frame, keyframe=True)

    def close(self) -> None:
        pass


class FrameInbox:
    """Frames pushed from outside (a WHIP publisher); holds only the newest one."""

    def __init__(self) -> None:
        self._queue: queue.Queue[av.VideoFrame] = queue.Queue(maxsize=1)
        self.publishers = 0  # WHIP sessions feeding it; none: the camera is idle, not failing

    def put(self, frame: av.VideoFrame) -> None:
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            try:
                self._queue.get_nowait()  # drop the older frame: only the newest matters
            except queue.Empty:
                pass
            self._queue.put_nowait(frame)

    def get(self, timeout: float) -> av.VideoFrame | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class InboxSource:
    """A WHIP-published feed: frames arrive in an inbox filled by the WebRTC side."""

    codec: str | None = None
    expected_fps: float | None = None

    def __init__(self, inbox: FrameInbox, settings: StreamSettings, stop: threading.Event) -> None:
        self._inbox, self._stop, self._wait = inbox, stop, min(settings.read_timeout, 0.5)
        self._timeout = settings.read_timeout

    def read(self, decode: Decode) -> Delivery | None:
        deadline = time.monotonic() + self._timeout
        while not self._stop.is_set():
            frame = self._inbox.get(self._wait)
            if frame is not None:
                return Delivery(frame=frame, keyframe=True)
            if not self._inbox.publishers:  # idle: nothing is late, nothing to reconnect
                deadline = time.monotonic() + self._timeout
            elif time.monotonic() > deadline:
                raise SourceError("no picture from the publisher")
        return None

    def close(self) -> None:
        pass


def is_push_url(url: str) -> bool:
    return url.lower().startswith("whip:")


def _is_file(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return scheme in ("", "file") or (len(scheme) == 1 and Path(url).exists())


def open_source(
    url: str,
    settings: StreamSettings,
    stop: threading.Event,
    inbox: FrameInbox | None = None,
    transport: Transport = "tcp",
) -> Source:
    """Open ``url``; raises :class:`SourceError` (credential-free) when that fails."""
    lowered = url.lower()
    if lowered.startswith("sim:"):
        return SimSource(url, stop)
    if is_push_url(url):
        if inbox is None:
            raise SourceError("no publisher inbox for a whip: camera")
        return InboxSource(inbox, settings, stop)
    if _is_file(url) and not Path(url.removeprefix("file://")).is_file():
        raise SourceError(f"file not found: {Path(url).name}")
    return AvSource(url, settings, stop, transport)
