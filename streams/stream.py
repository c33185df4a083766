"""One open stream of one camera: the newest frame, encoded once for every viewer.

A :class:`Stream` is a reader thread keeping only the newest frame (:mod:`streams.reader`)
and the viewers it serves (:mod:`streams.audience`). While someone watches, each new frame is
encoded once to JPEG and once to an MJPEG part; every viewer shares those bytes, so a slow
viewer only ever misses frames and never holds the reader or other viewers back.

Decoding follows demand (:meth:`Stream.decode_mode`): every picture while a viewer, an
analysis, a decoded WebRTC viewer or a snapshot needs pictures (starting at the next keyframe,
so within one GOP); otherwise one keyframe every ``key_seconds`` for the tamper checks
(``key_hooks``), or nothing; health needs only packets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import av

from config.streams import StreamSettings
from streams.audience import Audience
from streams.jpeg import encode_jpeg, multipart_part
from streams.meter import StreamMeter
from streams.reader import Reader
from streams.redact import url_secrets
from streams.sources import Decode, Delivery, FrameInbox, Transport, is_push_url
from streams.types import StreamRole

FrameHook = Callable[[av.VideoFrame], None]


class Stream(Reader, Audience):
    def __init__(
        self,
        camera_id: str,
        role: StreamRole,
        url: str,
        settings: StreamSettings,
        *,
        width: int,
        expected_fps: float | None = None,
        inbox: FrameInbox | None = None,
        transport: Transport = "tcp",
    ) -> None:
        self.camera_id, self.role, self.settings, self.width = camera_id, role, settings, width
        self._url = url
        self.transport = transport
        self._secrets = url_secrets(url)
        self.inbox = inbox if inbox is not None or not is_push_url(url) else FrameInbox()
        self.log = logging.getLogger(f"streams.{camera_id}")
        self._lock = threading.Lock()
        self.configured_fps = expected_fps
        self._init_reader()
        # newest frame and its JPEG
        self.seq = 0
        self.frame: av.VideoFrame | None = None
        self.frame_wall: float = 0.0
        self._jpeg: tuple[int, bytes] | None = None
        self._part: tuple[int, bytes] | None = None  # the same picture as an MJPEG part
        self.meter = StreamMeter()
        # consumers
        self._init_audience()
        self.frame_hooks: list[FrameHook] = []  # analytics, run on the reader thread
        # Checks content with a picture every few seconds (tamper): they make nothing decode
        # fully; nobody else wanting pictures, they get one keyframe every ``key_seconds``.
        self.key_hooks: list[FrameHook] = []
        self.demand = 0  # holders of pictures_wanted() (snapshots)
        self._key_at = float("-inf")

    def _ingest(self, item: Delivery, mode: Decode = "all") -> None:
        """One delivery from the reader thread: hooks, newest frame, pictures for viewers."""
        now = time.monotonic()
        self.meter.frame_arrived(now)
        for hook in list(self._packet_hooks.values()):
            try:
                hook(item)
            except Exception:  # one viewer's failure must not reconnect the camera for all
                self.log.exception("packet hook failed")
        frame = item.frame
        if frame is None:
            return
        with self._lock:
            self.seq += 1
            self.frame, self.frame_wall = frame, time.time()
        if mode != "all":
            self._key_at = now
        for frame_hook in (*self.frame_hooks, *self.key_hooks):
            try:
                frame_hook(frame)
            except Exception:
                self.log.exception("analysis failed")
        if self._viewers:
            self.jpeg()
            self.wake_viewers()

    # frames and JPEG -------------------------------------------------------------------
    def wants_frames(self) -> bool:
        """Whether every picture must be decoded (someone needs pictures, not only health)."""
        return bool(self._viewers or self.frame_hooks or self.hooks_want_pictures or self.demand)

    def decode_mode(self) -> Decode:
        """What the reader decodes of the next packet (see the module docstring)."""
        if self.wants_frames():
            return "all"
        if self.key_hooks and time.monotonic() - self._key_at >= self.settings.key_seconds:
            return "key"
        return "none"

    @contextmanager
    def pictures_wanted(self) -> Iterator[None]:
        """Decode every picture while inside (a snapshot waiting for a current picture)."""
        with self._lock:
            self.demand += 1
        try:
            yield
        finally:
            with self._lock:
                self.demand -= 1

    def jpeg(self) -> tuple[int, bytes] | None:
        """The newest frame as JPEG, encoded at most once per frame, or ``None`` before any."""
        with self._lock:
            seq, frame, cached = self.seq, self.frame, self._jpeg
        if cached is not None and cached[0] == seq:
            return cached
        if frame is None:
            return None
        started = time.perf_counter()
        data = encode_jpeg(frame, self.width, self.settings.jpeg_quality)
        spent = time.perf_counter() - started
        with self._lock:
            if self._jpeg is None or self._jpeg[0] < seq:
                self._jpeg = (seq, data)
                self._part = (seq, multipart_part(seq, data)) if self._viewers else None
                self.meter.encoded(spent, time.monotonic())
            return self._jpeg

    def latest_jpeg(self) -> tuple[int, bytes] | None:
        with self._lock:
            return self._jpeg

    def ready_part(self) -> tuple[int, bytes] | None:
        """The newest MJPEG part already built, never encoding (safe on an event loop)."""
        return self._part

    def latest_part(self) -> tuple[int, bytes] | None:
        """The newest picture as a ready MJPEG part (shared by every viewer)."""
        part = self._part
        if part is not None:
            return part
        got = self.jpeg()
        if got is None:
            return None
        with self._lock:
            if self._part is None or self._part[0] < got[0]:
                self._part = (got[0], multipart_part(*got))
            return self._part

    # measurements ----------------------------------------------------------------------
    def expected_fps(self) -> float | None:
        return self.configured_fps or self.source_fps
