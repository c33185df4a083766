"""One camera's recorder: a packet hook on its main stream that writes segments.

Runs on the stream's reader thread and copies packets only (the stream decodes nothing for
it). Modes: ``continuous`` writes all the time; ``events`` writes while an event holds the
camera (``post_event_seconds`` after the last trigger, or while a hold such as an open case
lasts) and begins with the pre-event buffer; ``off`` writes nothing. A new connection (camera
reconnect) or a gap in the packets closes the segment: every file is one unbroken run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from streams.record.prebuffer import Held, PreBuffer
from streams.record.segment import SegmentInfo, SegmentWriter, segment_path
from streams.sources import Delivery

SegmentCallback = Callable[[SegmentInfo], None]
#: A pause in packets this long (without a reconnect) closes the segment.
GAP_SECONDS = 3.0


class CameraRecorder:
    def __init__(self, camera_id: str, mode: str, root: Path, *, segment_seconds: float,
                 pre_seconds: float, post_seconds: float, on_segment: SegmentCallback,
                 transcoded: bool = False) -> None:
        self.camera_id, self.mode, self.root = camera_id, mode, root
        self.transcoded = transcoded  # packets made by the recorder's encoder, not the camera
        self.segment_seconds, self.post_seconds = segment_seconds, post_seconds
        self.prebuffer = PreBuffer(pre_seconds)
        self._on_segment = on_segment
        self._lock = threading.Lock()
        self._writer: SegmentWriter | None = None
        self._input: object | None = None  # the demuxer stream of the current connection
        self._last_wall = 0.0
        self._written_until = 0.0  # wall time of the last packet written (no overlap)
        self.hold_until = 0.0
        self._holds: set[str] = set()
        self.log = logging.getLogger(f"streams.{camera_id}")
        self.segments = 0
        self.errors = 0

    # events --------------------------------------------------------------------------
    def trigger(self, at: float | None = None) -> None:
        """An event: record from the pre-event buffer until ``post_seconds`` after it."""
        self.hold_until = max(self.hold_until, (at or time.time()) + self.post_seconds)

    def hold(self, key: str) -> None:
        """Record while ``key`` is held (a case open with this camera)."""
        with self._lock:
            self._holds.add(key)

    def release(self, key: str) -> None:
        with self._lock:
            self._holds.discard(key)

    @property
    def recording(self) -> bool:
        return self._writer is not None

    def wants_packets(self, wall: float) -> bool:
        """Whether packets arriving now are used (written, or kept for a later event)."""
        return self._active(wall) or self.prebuffer.seconds > 0 or self._writer is not None

    def _active(self, wall: float) -> bool:
        if self.mode == "continuous":
            return True
        return self.mode == "events" and (wall < self.hold_until or bool(self._holds))

    # reader thread -------------------------------------------------------------------
    def __call__(self, item: Delivery) -> None:
        packet = item.packet
        # The demuxer's stream (FFmpeg path) or the light path's template: what the muxer
        # copies from, and whose change means a new connection.
        template = packet.stream if packet is not None and packet.stream is not None \
            else item.template
        if packet is None or packet.size == 0 or template is None:
            return
        wall = time.time()
        held = Held(packet, packet.time_base, wall, item.keyframe)
        with self._lock:
            if template is not self._input or wall - self._last_wall > GAP_SECONDS:
                self._close()  # a new connection or a long pause: a new segment begins
                self.prebuffer.clear()
                self._input = template
            self._last_wall = wall
            self.prebuffer.add(held)
            try:
                self._record(held, template)
            except Exception as exc:  # a full disk must not reconnect the camera
                self.errors += 1
                self.log.warning("recording failed: %s", exc)
                self._close()

    def _record(self, held: Held, template: object) -> None:
        active = self._active(held.wall)
        writer = self._writer
        if writer is not None and not active:
            self._close()
            return
        if writer is not None and held.keyframe and held.wall - writer.start >= self.segment_seconds:
            self._close()
            writer = None
        if writer is not None:
            writer.write(held.packet, held.time_base, held.wall)
            self._written_until = held.wall
            return
        if not active:
            return
        backlog = self.prebuffer.since(self._written_until)
        if not backlog:
            return  # wait for a keyframe
        start = backlog[0].wall
        self._writer = SegmentWriter(self.camera_id, segment_path(self.root, self.camera_id, start),
                                     template, start, transcoded=self.transcoded)  # type: ignore[arg-type]
        for old in backlog:
            self._writer.write(old.packet, old.time_base, old.wall)
        self._written_until = held.wall

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        info = writer.close()
        if info is not None:
            self.segments += 1
            try:
                self._on_segment(info)
            except Exception:
                self.log.exception("segment callback failed")

    def open_segment(self) -> SegmentInfo | None:
        """The segment being written (its ``.part`` file, readable up to its last fragment)."""
        with self._lock:
            writer = self._writer
            if writer is None:
                return None
            return SegmentInfo(self.camera_id, writer.part, writer.start, writer.end, 0, writer.codec,
                               writer.transcoded)

    def close(self) -> None:
        """Finish the open segment (server stopping, recording switched off)."""
        with self._lock:
            self._close()
            self._input = None
