"""The reader thread of a stream: open the source, read until it fails, reconnect with backoff.

:class:`Reader` is the reading half of :class:`streams.stream.Stream`: a named thread
(``capture:{camera}``, ``capture:{camera}:main``) stopped by a ``threading.Event`` and joined.
Each delivery goes to ``Stream._ingest`` on this thread; failures are logged without the
credentials of the URL, a repeated identical failure at debug level only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from config.streams import StreamSettings
from streams.meter import StreamMeter
from streams.packets import NotLight, PacketSource, light_capable
from streams.redact import redact_text
from streams.rtp_h264 import AccessUnit
from streams.sources import (
    Decode,
    Delivery,
    FrameInbox,
    Source,
    SourceError,
    Transport,
    open_source,
)
from streams.types import StreamRole
from streams.watchdog import backoff_delay


class Reader:
    """Mixin of :class:`streams.stream.Stream` holding its thread; the stream provides the
    attributes declared here and ``_ingest``/``wants_frames``."""

    camera_id: str
    role: StreamRole
    settings: StreamSettings
    inbox: FrameInbox | None
    log: logging.Logger
    meter: StreamMeter
    _url: str
    _secrets: tuple[str, ...]
    transport: Transport
    _packets_only: set[int]  # the audience's packet hooks that need no pictures
    _packet_hooks: dict[int, Callable[[Delivery], None]]

    def _init_reader(self) -> None:
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.source_fps: float | None = None
        self.codec: str | None = None
        self.passthrough = False  # packets are Annex B H.264 a WebRTC viewer can take as-is
        self.extradata: bytes | None = None
        self.connected = False
        self.source: Source | None = None  # the open source (benches read its decode count)
        self._decoded_before = 0  # pictures decoded by the sources of earlier connections
        self.connected_at: float | None = None
        self.error: str | None = None
        self._logged_error: str | None = None
        self._switched = False  # the last session ended to change between light and FFmpeg
        self._light_off = False  # the camera is not one the light path reads (not H.264)

    if TYPE_CHECKING:  # provided by the stream (declared here only for readers and checkers)
        def _ingest(self, item: Delivery, mode: Decode) -> None: ...

        def decode_mode(self) -> Decode: ...

        def wake_viewers(self) -> None: ...

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
        wake = getattr(self.source, "wake", None)
        if wake is not None:  # a light source's reader waits for packets on a condition
            wake()

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
            if not first and not self._switched:
                self.meter.reconnected(time.monotonic())
            first, self._switched = False, False
            delivered = self._session()
            if self._stop.is_set():
                break
            if self._switched:  # not a failure: reopen at once on the other path
                continue
            # Waiting on a publisher's inbox costs nothing: no need to back off from it.
            attempt = 0 if delivered or self.inbox is not None else attempt + 1
            delay = backoff_delay(attempt, self.settings.reconnect_initial, self.settings.reconnect_max)
            self.log.info("reconnecting in %.2f s", delay)
            self._stop.wait(delay)

    def _session(self) -> bool:
        """One connection: open, read until failure; returns whether any frame arrived."""
        delivered = False
        light = self._light_wanted()
        try:
            source: Source = (PacketSource(self._url, self.settings, self._stop, self._inline,
                                           self.decode_mode)
                              if light else
                              open_source(self._url, self.settings, self._stop, self.inbox,
                                          self.transport))
        except NotLight as exc:
            self.log.info("%s: read through FFmpeg", exc)
            self._light_off = self._switched = True
            return False
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
        self.source = source
        try:
            while not self._stop.is_set():
                mode = self.decode_mode()
                item = source.read(mode)
                if item is None:
                    if not self._stop.is_set():
                        self._fail("end of stream")
                    break
                delivered = True
                self._ingest(item, mode)
        except SourceError as exc:
            self._fail(str(exc))
        except Exception as exc:
            self._fail(f"read failed: {type(exc).__name__}: {exc}")
        finally:
            self.connected = False
            self._decoded_before += getattr(source, "decoded", 0)
            self.source = None
            try:
                source.close()
            except Exception as exc:
                self.log.debug("close failed: %s", self._clean(str(exc)))
        return delivered

    def _inline(self, unit: AccessUnit, key_pending: bool) -> bool:
        """On the light path's thread: take a packet there when all it brings is health (no
        picture wanted from it, no packet hook), so the reader thread is not woken for it."""
        if self._packet_hooks or key_pending or self._stop.is_set():
            return False
        mode = self.decode_mode()
        if mode == "all" or (mode == "key" and unit.keyframe):
            return False
        self._ingest(Delivery(frame=None, keyframe=unit.keyframe), "none")
        return True

    def _light_wanted(self) -> bool:
        """Whether to read through the light path (:mod:`streams.packets`): an RTSP H.264
        camera over TCP. Recorders copy its packets too (with a mux template per connection)."""
        return (self.settings.rtsp_reader == "light" and not self._light_off
                and light_capable(self._url, self.transport))

    @property
    def decoded_frames(self) -> int:
        """Pictures this stream's sources decoded (FFmpeg sources; 0 for pushed frames)."""
        return self._decoded_before + getattr(self.source, "decoded", 0)

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
