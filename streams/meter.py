"""Counters of one stream: written by its reader, read by the watchdog and ``/metrics``."""

from __future__ import annotations

import threading
import time
from collections import deque

_WINDOW = 5.0  # seconds over which frame rates are measured
_HOUR = 3600.0


class StreamMeter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.frames_in = 0
        self.frames_encoded = 0
        self.encode_seconds = 0.0
        self.skipped_total = 0
        self.reconnects_total = 0
        self.stalls_total = 0
        self.last_frame_at: float | None = None  # monotonic
        self.last_frame_wall: float | None = None  # epoch seconds, for events and latency
        self._arrivals: deque[float] = deque(maxlen=1024)
        self._encodes: deque[float] = deque(maxlen=1024)
        self._reconnects: deque[float] = deque()
        self._stalls: deque[float] = deque()

    def frame_arrived(self, now: float) -> None:
        with self._lock:
            self.frames_in += 1
            self.last_frame_at = now
            self.last_frame_wall = time.time()
            self._arrivals.append(now)

    def encoded(self, spent: float, now: float) -> None:
        with self._lock:
            self.frames_encoded += 1
            self.encode_seconds += spent
            self._encodes.append(now)

    def skipped(self, frames: int) -> None:
        with self._lock:
            self.skipped_total += frames

    def reconnected(self, now: float) -> None:
        with self._lock:
            self.reconnects_total += 1
            self._reconnects.append(now)

    def stalled(self, now: float) -> None:
        with self._lock:
            self.stalls_total += 1
            self._stalls.append(now)

    def rates(self, now: float) -> tuple[float, float]:
        """Frames per second received and encoded over the last few seconds (0 if unknown)."""
        with self._lock:
            arrivals, encodes = _recent(self._arrivals, now), _recent(self._encodes, now)
        return _rate(arrivals), _rate(encodes)

    def hourly(self, now: float) -> tuple[int, int]:
        """Stalls and reconnects in the last hour."""
        with self._lock:
            for q in (self._stalls, self._reconnects):
                while q and now - q[0] > _HOUR:
                    q.popleft()
            return len(self._stalls), len(self._reconnects)


def _recent(times: deque[float], now: float) -> list[float]:
    """The times within the window, oldest first: read from the newest end, so the watchdog's
    ticks cost the window's events, not the whole deque's (1024 at 5 fps is 200 s)."""
    out = []
    for t in reversed(times):
        if now - t > _WINDOW:
            break
        out.append(t)
    out.reverse()
    return out


def _rate(times: list[float]) -> float:
    # Measured between the first and last event in the window, so a stream that just
    # (re)connected is not judged slow for the part of the window before it existed.
    if len(times) < 3 or times[-1] <= times[0]:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])
