"""Gathering (聚集) detection on a sub-stream: people counted in zones, an alert per gathering.

The reader thread only hands a picture over, ``fps`` times a second; the counting runs on the
camera's own thread (``gathering:{camera}``), because the HOG detector (:mod:`streams.people`)
takes a few hundred milliseconds a picture, far too long for the reader. Each zone keeps the
last ``SMOOTH`` counts and uses their median, so one missed or doubled person in one picture
changes nothing. ``min_people`` or more (smoothed) for ``hold_seconds`` raise one report; the
zone is armed again once it has stayed below the threshold for ``CLEAR_SECONDS`` and
``repeat_seconds`` have passed since the last report. A passer-by never reaches the count; a
group walking through leaves before the hold time.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import av
import cv2
import numpy as np

from config.gathering import GatheringConfig, GatheringZone, in_windows
from streams.jpeg import grey_small
from streams.people import Person, detect

SMOOTH = 3  # counts whose median is the zone's count
CLEAR_SECONDS = 10.0  # below the threshold this long: the gathering is over

#: (zone name, people counted, frame that showed it, people boxes in it)
Report = Callable[[str, int, av.VideoFrame, list[Person]], None]


@dataclass
class ZoneState:
    zone: GatheringZone
    polygon: np.ndarray
    counts: deque[int] = field(default_factory=lambda: deque(maxlen=SMOOTH))
    since: float | None = None
    below_since: float | None = None
    active: bool = False  # reported, and not yet over
    reported_at: float | None = None

    def inside(self, people: list[Person]) -> list[Person]:
        return [p for p in people
                if cv2.pointPolygonTest(self.polygon, p.foot, measureDist=False) >= 0]


class GatheringDetector:
    """Counts people in the zones of one camera; ``report`` runs on the detector's thread."""

    def __init__(self, camera_id: str, cfg: GatheringConfig, report: Report,
                 tz: Callable[[], tzinfo | None] | None = None) -> None:
        self.camera_id, self.cfg, self._report = camera_id, cfg, report
        self.tz = tz
        self.zones = [ZoneState(z, np.array(z.points, np.float32).reshape(-1, 1, 2))
                      for z in cfg.zones]
        self._windows = cfg.windows()
        self._slot: av.VideoFrame | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._taken_at = float("-inf")
        self.analysed = 0
        self.busy_seconds = 0.0  # thread CPU spent counting (for the metrics and the bench)
        self.log = logging.getLogger(f"streams.{camera_id}")

    # reader side -------------------------------------------------------------------------
    def __call__(self, frame: av.VideoFrame) -> None:
        """Frame hook: keep the picture for the counting thread, at most ``fps`` a second."""
        now = time.monotonic()
        if now - self._taken_at < 1.0 / self.cfg.fps:
            return
        self._taken_at = now
        with self._lock:
            self._slot = frame
            if self._thread is None:  # started by the first picture, again after a stop
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                                name=f"gathering:{self.camera_id}")
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """Stop the counting thread and wait for it (a later picture starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                frame, self._slot = self._slot, None
            if frame is None or stop.is_set():
                continue
            started = time.thread_time()
            try:
                self.analyse(frame, time.monotonic())
            except Exception:
                self.log.exception("gathering analysis failed")
            self.busy_seconds += time.thread_time() - started

    # counting ----------------------------------------------------------------------------
    def scheduled(self) -> bool:
        if not self._windows:
            return True
        return in_windows(self._windows, datetime.now(self.tz() if self.tz else None).time())

    def analyse(self, frame: av.VideoFrame, now: float) -> dict[str, int]:
        """Count the zones of ``frame``; returns the smoothed count per zone."""
        if not self.scheduled():
            for state in self.zones:
                state.counts.clear()
                state.since = None
            return {}
        people = detect(grey_small(frame, self.cfg.detect_width), self.cfg.detect_width)
        self.analysed += 1
        return self.update(people, frame, now)

    def update(self, people: list[Person], frame: av.VideoFrame, now: float) -> dict[str, int]:
        counts = {}
        for state in self.zones:
            inside = state.inside(people)
            state.counts.append(len(inside))
            count = int(statistics.median_low(state.counts))
            counts[state.zone.name] = count
            if count >= state.zone.min_people:
                state.below_since = None
                if state.since is None:
                    state.since = now
                if (not state.active and now - state.since >= state.zone.hold_seconds
                        and (state.reported_at is None
                             or now - state.reported_at >= self.cfg.repeat_seconds)):
                    state.active, state.reported_at = True, now
                    self._report(state.zone.name, max(count, len(inside)), frame, inside)
            else:
                state.since = None
                if state.below_since is None:
                    state.below_since = now
                if state.active and now - state.below_since >= CLEAR_SECONDS:
                    state.active = False
        return counts
