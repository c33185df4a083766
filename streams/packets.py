"""The light RTSP path: many cameras' packets read on one asyncio thread.

A camera nobody watches needs packet arrival (health) and one keyframe every few seconds
(tamper). Reading it through FFmpeg's RTSP demuxer costs a thread running C code per camera;
here every such camera's RTSP session (aiortsp: OPTIONS, DESCRIBE, SETUP over
TCP-interleaved, PLAY, keep-alive, Basic/Digest authentication) lives on one shared event
loop thread (``streams:packets``), and the RTP payloads become H.264 access units
(:mod:`streams.rtp_h264`) handed to the camera's reader thread through a small queue.

The reader decodes only what its stream asks for (``Decode``): nothing, a keyframe, or every
picture (with its own H.264 decoder, from the next keyframe on), so the decode-on-demand
switch works on this path without reconnecting. Packets carry no demuxer stream: a consumer
that copies them into a container (the recorder) gets a :class:`streams.sources.MuxTemplate`
with each delivery instead (codec and picture size, read from the first keyframe's SPS by
FFmpeg's H.264 parser), so recording by copy needs no FFmpeg reader thread per camera.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from urllib.parse import unquote, urlsplit

import av
from aiortsp.rtsp.connection import RTSPConnection
from aiortsp.rtsp.session import RTSPMediaSession
from aiortsp.transport.tcp import TCPTransport

from config.streams import StreamSettings
from streams.redact import redact_text, redact_url, url_secrets
from streams.rtp_h264 import AccessUnit, Depacketizer, parameter_sets, parse_rtp
from streams.sources import Decode, Delivery, MuxTemplate, SourceError

TIME_BASE = Fraction(1, 90000)
_STRENGTH = {"none": 0, "key": 1, "all": 2}
SETUPS_AT_ONCE = 16
QUEUE_LIMIT = 100  # access units held for a reader that fell behind (20 s at 5 fps)
# aiortsp logs each connection and request at info level; its lines never carry credentials
# (it strips them from URLs), but hundreds of cameras would drown the product's own lines.
logging.getLogger("aiortsp").setLevel(logging.WARNING)
_quiet = logging.getLogger("streams.packets.rtsp")
_quiet.setLevel(logging.CRITICAL)  # session failures reach the stream as its error


class _Connection(RTSPConnection):
    """aiortsp's connection with interleaved RTP read directly: aiortsp builds a message
    object per packet and parses it with dpkt; at hundreds of cameras that parsing was the
    largest cost of the light path. RTSP replies (keep-alive) and RTCP still go through
    aiortsp."""

    on_rtp: Callable[[bytes], None] | None = None
    rtp_channel = -1
    stats: object | None = None  # the transport's RTCP statistics (its silence timer reads them)
    _rest = b""

    def data_received(self, data: bytes) -> None:
        parser = self.parser
        if self.on_rtp is None or parser.pending_msg is not None or parser._prev_data:
            super().data_received(data)
            return
        buf = self._rest + data if self._rest else data
        i, n = 0, len(buf)
        while i < n:
            if buf[i] != 0x24:  # not '$': an RTSP reply; aiortsp parses from here on
                self._rest = b""
                super().data_received(buf[i:])
                return
            if n - i < 4:
                break
            size = (buf[i + 2] << 8) | buf[i + 3]
            if n - i - 4 < size:
                break
            if buf[i + 1] == self.rtp_channel:
                self.on_rtp(buf[i + 4:i + 4 + size])
            # RTCP is dropped: receiver reports would need the statistics of every packet,
            # and over TCP the session is kept alive by RTSP requests.
            i += 4 + size
        self._rest = buf[i:]
        if self.stats is not None:
            self.stats.last_received = time.time()  # type: ignore[attr-defined]


class PacketLoop:
    """The event loop thread shared by every light source; runs while a source uses it."""

    _lock = threading.Lock()
    _shared: PacketLoop | None = None

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.users = 0
        self.setups: asyncio.Semaphore | None = None  # created on the loop's thread
        self._thread = threading.Thread(target=self.loop.run_forever, name="streams:packets",
                                        daemon=True)
        self._thread.start()

    @classmethod
    def acquire(cls) -> PacketLoop:
        with cls._lock:
            if cls._shared is None:
                cls._shared = PacketLoop()
            cls._shared.users += 1
            return cls._shared

    def release(self) -> None:
        with PacketLoop._lock:
            self.users -= 1
            if self.users > 0:
                return
            if PacketLoop._shared is self:
                PacketLoop._shared = None
        try:  # sessions still closing (and aiortsp's own timers) end before the loop does
            asyncio.run_coroutine_threadsafe(_cancel_rest(), self.loop).result(5)
        except Exception:  # noqa: S110 — a session that would not end is dropped with the loop
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_rest() -> None:
    rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*rest, return_exceptions=True), 4)


class NotLight(SourceError):
    """The camera answered, but with something the light path does not read (not H.264)."""


def mux_template(keyframe: bytes) -> MuxTemplate | None:
    """The codec and picture size of an H.264 keyframe (Annex B, with its SPS), or None.

    FFmpeg's parser reads the SPS; it keeps a unit until the next one begins, so it is
    flushed at once. About 20 µs, once per connection."""
    parser = av.CodecContext.create("h264", "r")
    try:
        parser.parse(keyframe)
        parser.parse(None)
    except av.FFmpegError:
        return None
    if parser.width <= 0 or parser.height <= 0:
        return None
    return MuxTemplate("h264", parser.width, parser.height)


def light_capable(url: str, transport: str) -> bool:
    """Whether the light path can read ``url`` (RTSP over TCP; plain ``rtsp://`` only)."""
    return url.lower().startswith("rtsp://") and transport == "tcp"


class PacketSource:
    """A :class:`streams.sources.Source` reading one RTSP H.264 camera on the shared loop."""

    codec: str | None = "h264"
    annexb = True

    def __init__(self, url: str, settings: StreamSettings, stop: threading.Event,
                 inline: Callable[[AccessUnit, bool], bool] | None = None,
                 mode: Callable[[], Decode] | None = None) -> None:
        self._url, self._stop, self._settings = url, stop, settings
        # Called on the loop's thread with each access unit and whether a keyframe's picture
        # is still due; True: it was taken there (health only), the reader is not woken.
        self._inline = inline
        self._mode = mode  # what the stream wants decoded now (read when a unit is taken)
        self._last_arrival = time.monotonic()
        self._secrets = url_secrets(url)
        self._units: collections.deque[AccessUnit] = collections.deque(maxlen=QUEUE_LIMIT)
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._done = threading.Event()  # the session's coroutine has ended
        self._error: str | None = None
        self._ended = False
        self._not_light: str | None = None
        self._waiting: Decode | None = None  # what the reader waiting in read() will decode
        self.expected_fps: float | None = None
        self.annexb_extradata: bytes | None = None
        self.decoded = 0
        self._decoder: av.CodecContext | None = None
        self._template: MuxTemplate | None = None  # from this connection's first keyframe
        self._continuous = False
        self._key_pending = False
        self._last_ts: int | None = None
        self._pts = 0
        self._setup_at: float | None = None  # when this session's set-up began (its turn)
        self._shared = PacketLoop.acquire()
        self._shared_loop = self._shared
        self._task = asyncio.run_coroutine_threadsafe(self._run(), self._shared.loop)
        try:
            self._wait_ready()
        except BaseException:
            self.close()
            raise

    # the loop's side -------------------------------------------------------------------
    async def _run(self) -> None:
        parts = urlsplit(self._url)
        user = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        timeout = self._settings.connect_timeout
        slots = self._shared_slots()
        held = False
        try:
            # A bounded number of set-ups at once: hundreds of cameras starting together
            # otherwise share the thread so thinly that their answers outlive the timeouts.
            await slots.acquire()
            held = True
            self._setup_at = time.monotonic()
            async with _Connection(parts.hostname, parts.port or 554, user, password,
                                      logger=_quiet, timeout=timeout) as conn, \
                    TCPTransport(conn, logger=_quiet, timeout=self._silence_limit()) as transport:
                session = RTSPMediaSession(conn, self._url, transport=transport, logger=_quiet)
                await asyncio.wait_for(session.setup(), timeout)
                self._start(session, transport, conn)
                await asyncio.wait_for(session.play(), timeout)
                self._last_arrival = time.monotonic()  # silence is counted from PLAY on
                slots.release()
                held = False
                self._ready.set()
                # Closing the connection ends an interleaved session; no TEARDOWN is waited
                # for, so hundreds of cameras stop at once without a round trip each.
                while conn.running:
                    await asyncio.sleep(min(session.session_keepalive, 30))
                    if conn.running:
                        await session.keep_alive()
        except asyncio.CancelledError:
            self._end("closed")
        except NotLight as exc:
            self._not_light = str(exc)
            self._end(str(exc))
        except Exception as exc:  # aiortsp's and the socket's errors alike end this session
            self._end(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        else:
            self._end("connection closed")
        finally:
            if held:
                slots.release()
            self._done.set()

    def _shared_slots(self) -> asyncio.Semaphore:
        loop = self._shared_loop
        if loop.setups is None:
            loop.setups = asyncio.Semaphore(SETUPS_AT_ONCE)
        return loop.setups

    def _silence_limit(self) -> float:
        # aiortsp closes a session silent this long; the reader's own ``read_timeout`` judges
        # silence first (a server may wait for its next keyframe before the first packet).
        return 2 * self._settings.read_timeout + 5

    def _start(self, session: RTSPMediaSession, transport: TCPTransport, conn: _Connection) -> None:
        media = session.sdp.get_media() if session.sdp else None
        rtpmap = str((media or {}).get("attributes", {}).get("rtpmap", "")).lower()
        if media is not None and rtpmap and "h264" not in rtpmap:
            raise NotLight(f"the light reader takes H.264 only, the camera sends {rtpmap}")
        sprop = parameter_sets(session.sdp.guess_h264_props() if session.sdp else None)
        if sprop:
            self.annexb_extradata = b"".join(b"\x00\x00\x00\x01" + p for p in sprop)
        rate = (media or {}).get("attributes", {}).get("framerate")
        try:
            self.expected_fps = float(rate) if rate and 0 < float(rate) <= 240 else None
        except (TypeError, ValueError):
            self.expected_fps = None
        depacketizer = Depacketizer(sprop)
        payload_type = session.sdp.media_payload_type() if session.sdp else None
        arrived = self._arrived

        def on_rtp(packet: bytes) -> None:
            rtp = parse_rtp(packet)
            if rtp is None or (payload_type is not None and rtp[0] != payload_type):
                return
            done = depacketizer.push(rtp[4], rtp[2], rtp[3], rtp[1])
            if done:
                arrived(done)

        conn.rtp_channel, conn.stats, conn.on_rtp = transport.rtp_idx, transport.stats, on_rtp

    def _arrived(self, done: list[AccessUnit]) -> None:
        self._last_arrival = time.monotonic()
        # A reader already waiting to decode every picture gets the next unit (as a reader
        # blocked in FFmpeg's demuxer would); units queued for it keep their order.
        inline, queued = self._inline, []
        for unit in done:
            if (inline is not None and not self._units and not queued and self._waiting != "all"
                    and inline(unit, self._key_pending)):
                self._continuous = False  # the decoder missed this unit: restart at a keyframe
                continue
            queued.append(unit)
        if queued:
            with self._cond:
                self._units.extend(queued)
                self._cond.notify()

    def wake(self) -> None:
        """Wake the reader waiting in :meth:`read` (it is being stopped)."""
        with self._cond:
            self._cond.notify_all()

    def _end(self, reason: str) -> None:
        with self._cond:
            self._ended = True
            self._error = self._error or redact_text(redact_url(reason), *self._secrets)
            self._cond.notify_all()
        self._ready.set()

    # the reader's side -----------------------------------------------------------------
    def _wait_ready(self) -> None:
        limit = self._settings.connect_timeout + 1.0
        # Half-second slices: hundreds of readers polling faster took the GIL from the loop's
        # thread often enough to stall every session's set-up (stop is seen within 0.5 s).
        while not self._ready.wait(0.5):
            # The connect timeout runs from this session's turn to set up, not its queueing.
            began = self._setup_at
            waited = 0.0 if began is None else time.monotonic() - began
            if self._stop.is_set():
                raise SourceError("stopped while connecting")
            if waited >= limit:
                raise SourceError(f"cannot open {redact_url(self._url)}: no answer in time")
        if self._not_light:
            raise NotLight(self._not_light)
        if self._ended:
            raise SourceError(f"cannot open {redact_url(self._url)}: {self._error}")

    def read(self, decode: Decode) -> Delivery | None:
        timeout = self._settings.read_timeout
        with self._cond:
            self._waiting = decode
            while not self._units:
                if self._stop.is_set():
                    return None
                if self._ended:
                    raise SourceError(f"read failed on {redact_url(self._url)}: {self._error}")
                # Packets taken inline still count as arrivals: only silence is a failure.
                silent = time.monotonic() - self._last_arrival
                if silent >= timeout:
                    raise SourceError(f"no packet for {timeout:g} s from {redact_url(self._url)}")
                self._cond.wait(timeout - silent + 0.05)
            unit = self._units.popleft()
            self._waiting = None
        if self._mode is not None:
            # The unit may have waited while the want changed (a keyframe now due for tamper):
            # the stronger of the two is decoded.
            now = self._mode()
            decode = now if _STRENGTH[now] > _STRENGTH[decode] else decode
        packet = av.Packet(unit.data)
        packet.pts = packet.dts = self._timestamp(unit.timestamp)
        packet.time_base = TIME_BASE
        packet.is_keyframe = unit.keyframe
        frame = self._decode(packet, unit, decode)
        if self._template is None and unit.keyframe and not unit.damaged:
            self._template = mux_template(unit.data)
        return Delivery(frame=frame, packet=packet, keyframe=unit.keyframe,
                        template=self._template)

    def _timestamp(self, ts: int) -> int:
        # RTP timestamps wrap at 2^32 and start anywhere: unwrapped, counted from zero.
        if self._last_ts is not None:
            self._pts += (ts - self._last_ts) & 0xFFFFFFFF if ts != self._last_ts else 0
        self._last_ts = ts
        return self._pts

    def _decode(self, packet: av.Packet, unit: AccessUnit, decode: Decode) -> av.VideoFrame | None:
        """As :meth:`streams.sources.AvSource._decode`: full decoding starts at a keyframe."""
        key = unit.keyframe and not unit.damaged
        if unit.damaged:
            self._continuous = False
        if decode == "none" or (decode == "key" and not key and not self._key_pending):
            self._continuous = self._key_pending = False
            return None
        if decode == "all" and not self._continuous and not key:
            return None
        if self._decoder is None:
            self._decoder = av.CodecContext.create("h264", "r")
            self._decoder.thread_type = "SLICE"
        try:
            frames = self._decoder.decode(packet)
        except av.FFmpegError:
            frames = []
        if key:
            self._continuous = True
        self.decoded += len(frames)
        self._key_pending = decode == "key" and not frames
        return frames[-1] if frames else None

    def close(self) -> None:
        task, shared = self._task, self._shared
        if shared is None:
            return
        self._shared = None
        task.cancel()  # reaches the coroutine on the loop's thread
        self._done.wait(3)
        shared.release()
