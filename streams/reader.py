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
from typing import TYPE_CHECKING

from config.streams import StreamSettings
from streams.meter import StreamMeter
from streams.redact import redact_text
from streams.sources import Delivery, FrameInbox, Source, SourceError, open_source
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

    def _init_reader(self) -> None:
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.source_fps: float | None = None
        self.codec: str | None = None
        self.passthrough = False  # packets are Annex B H.264 a WebRTC viewer can take as-is
        self.extradata: bytes | None = None
        self.connected = False
        self.connected_at: float | None = None
        self.error: str | None = None
        self._logged_error: str | None = None

    if TYPE_CHECKING:  # provided by the stream (declared here only for readers and checkers)
        def _ingest(self, item: Delivery) -> None: ...

        def wants_frames(self) -> bool: ...

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
