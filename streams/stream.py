"""One open stream of one camera: a named reader thread keeping only the newest frame.

The reader opens the source, reads until it fails, and reconnects with backoff. While someone
watches, it encodes each new frame once to JPEG; every viewer shares those bytes. A viewer is a
callback on its event loop; the reader hands each new picture to every loop with viewers in one
call, and the callbacks write without waiting, so a slow viewer only ever misses frames; it
never holds the reader or other viewers back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import av

from config.streams import StreamSettings
from streams.jpeg import encode_jpeg, multipart_part
from streams.meter import StreamMeter
from streams.redact import redact_text, url_secrets
from streams.sources import Delivery, FrameInbox, Source, SourceError, is_push_url, open_source
from streams.types import StreamRole
from streams.watchdog import backoff_delay

FrameHook = Callable[[av.VideoFrame], None]
PacketHook = Callable[[Delivery], None]


@dataclass
class Viewer:
    loop: asyncio.AbstractEventLoop
    on_picture: Callable[[], None]  # called on ``loop``; must not block
    skipped: int = 0


class Stream:
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
    ) -> None:
        self.camera_id, self.role, self.settings, self.width = camera_id, role, settings, width
        self._url = url
        self._secrets = url_secrets(url)
        self.inbox = inbox if inbox is not None or not is_push_url(url) else FrameInbox()
        self.log = logging.getLogger(f"streams.{camera_id}")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.configured_fps = expected_fps
        self.source_fps: float | None = None
        self.codec: str | None = None
        self.passthrough = False  # packets are Annex B H.264 a WebRTC viewer can take as-is
        self.extradata: bytes | None = None
        # newest frame and its JPEG
        self.seq = 0
        self.frame: av.VideoFrame | None = None
        self.frame_wall: float = 0.0
        self._jpeg: tuple[int, bytes] | None = None
        self._part: tuple[int, bytes] | None = None  # the same picture as an MJPEG part
        # measurements
        self.connected = False
        self.connected_at: float | None = None
        self.error: str | None = None
        self._logged_error: str | None = None
        self.meter = StreamMeter()
        # consumers
        self._viewers: dict[int, Viewer] = {}
        self._next_viewer = 0
        self.frame_hooks: list[FrameHook] = []  # analytics, run on the reader thread
        self._packet_hooks: dict[int, PacketHook] = {}
        self.idle_since: float | None = time.monotonic()

    # lifecycle -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        with self._start_lock:  # routes, WHEP and sessions may open the same stream at once
            if self.running and not self._stop.is_set():
                return
            self.join(timeout=10.0)  # a reader still winding down must be gone before a new one
            self._stop.clear()
            if self.running:  # the old reader never ended: it carries on, start no second one
                return
            self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"capture:{self.camera_id}" + ("" if self.role == "sub" else ":main"),
            daemon=True,
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the reader to stop without waiting (it may be inside a connect timeout)."""
        self._stop.set()
        self.wake_viewers()

    def join(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                self.log.error("reader thread did not stop within %.0f s", timeout)
                return
        if thread is self._thread:
            self._thread = None
        self.connected = False

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        self.join(timeout)

    # reader thread ---------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        first = True
        while not self._stop.is_set():
            if not first:
                self.meter.reconnected(time.monotonic())
            first = False
            delivered = self._session()
            if self._stop.is_set():
                break
            # Waiting on a publisher's inbox costs nothing: no need to back off from it.
            attempt = 0 if delivered or self.inbox is not None else attempt + 1
            delay = backoff_delay(attempt, self.settings.reconnect_initial, self.settings.reconnect_max)
            self.log.info("reconnecting in %.2f s", delay)
            self._stop.wait(delay)

    def _session(self) -> bool:
        """One connection: open, read until failure; returns whether any frame arrived."""
        delivered = False
        try:
            source: Source = open_source(self._url, self.settings, self._stop, self.inbox)
        except SourceError as exc:
            self._fail(str(exc))
            return False
        except Exception as exc:  # any library error: never let its text carry the URL out
            self._fail(f"cannot open: {type(exc).__name__}: {exc}")
            return False
        self.codec, self.source_fps = source.codec, source.expected_fps
        self.extradata = getattr(source, "annexb_extradata", None)
        self.passthrough = bool(getattr(source, "annexb", False)) and source.codec == "h264"
        self.connected, self.connected_at, self.error = True, time.monotonic(), None
        self.log.info("connected (%s)", self.codec or "raw")
        try:
            while not self._stop.is_set():
                item = source.read(self.wants_frames())
                if item is None:
                    if not self._stop.is_set():
                        self._fail("end of stream")
                    break
                delivered = True
                self._ingest(item)
        except SourceError as exc:
            self._fail(str(exc))
        except Exception as exc:
            self._fail(f"read failed: {type(exc).__name__}: {exc}")
        finally:
            self.connected = False
            try:
                source.close()
            except Exception as exc:
                self.log.debug("close failed: %s", self._clean(str(exc)))
        return delivered

    def _fail(self, message: str) -> None:
        self.error = self._clean(message)
        # A flapping camera repeats the same failure: warn once, then keep it at debug level.
        worked_a_while = self.connected_at is not None and time.monotonic() - self.connected_at > 30
        repeat = self.error == self._logged_error and not worked_a_while
        level = logging.DEBUG if repeat else logging.WARNING
        self._logged_error = self.error
        self.log.log(level, "%s", self.error)

    def _clean(self, text: str) -> str:
        return redact_text(text, *self._secrets)

    def _ingest(self, item: Delivery) -> None:
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
        for frame_hook in self.frame_hooks:
            try:
                frame_hook(frame)
            except Exception:
                self.log.exception("analysis failed")
        if self._viewers:
            self.jpeg()
            self.wake_viewers()

    # frames and JPEG -------------------------------------------------------------------
    def wants_frames(self) -> bool:
        return bool(self._viewers or self.frame_hooks or self._packet_hooks)

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

    # viewers ---------------------------------------------------------------------------
    def add_viewer(self, on_picture: Callable[[], None]) -> int:
        """Register a viewer on the running event loop; ``on_picture`` is called there for
        each new picture and each change of state (stopping), and must not block. Returns
        the key for :meth:`remove_viewer`."""
        loop = asyncio.get_running_loop()
        with self._lock:
            self._next_viewer += 1
            key = self._next_viewer
            self._viewers[key] = Viewer(loop, on_picture)
            self.idle_since = None
        return key

    def delivered(self, key: int, last: int, seq: int) -> None:
        """Viewer ``key`` had picture ``last`` and now gets ``seq``: count the ones it skipped."""
        if not last or seq <= last + 1:
            return
        self.meter.skipped(seq - last - 1)
        with self._lock:
            if key in self._viewers:
                self._viewers[key].skipped += seq - last - 1

    def remove_viewer(self, key: int) -> None:
        with self._lock:
            self._viewers.pop(key, None)
            if not self._viewers and not self._packet_hooks:
                self.idle_since = time.monotonic()

    @property
    def viewers(self) -> int:
        return len(self._viewers) + len(self._packet_hooks)

    def wake_viewers(self) -> None:
        """Tell every viewer: a new picture, or time to check whether to end."""
        # One hand-over per event loop, not per viewer: each call wakes the loop through a pipe.
        by_loop: dict[asyncio.AbstractEventLoop, list[Callable[[], None]]] = {}
        for viewer in list(self._viewers.values()):
            by_loop.setdefault(viewer.loop, []).append(viewer.on_picture)
        for loop, callbacks in by_loop.items():
            try:
                loop.call_soon_threadsafe(_call_all, callbacks)
            except RuntimeError:  # that loop has closed: its viewers are gone
                pass

    def add_packet_hook(self, hook: PacketHook) -> int:
        """Receive every delivery on the reader thread (WebRTC viewers); returns a key."""
        with self._lock:
            self._next_viewer += 1
            self._packet_hooks[self._next_viewer] = hook
            self.idle_since = None
            return self._next_viewer

    def remove_packet_hook(self, key: int) -> None:
        with self._lock:
            self._packet_hooks.pop(key, None)
            if not self._viewers and not self._packet_hooks:
                self.idle_since = time.monotonic()

    # measurements ----------------------------------------------------------------------
    def expected_fps(self) -> float | None:
        return self.configured_fps or self.source_fps


def _call_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # one viewer's failure must not cost the others their picture
            logging.getLogger("streams").exception("viewer callback failed")
