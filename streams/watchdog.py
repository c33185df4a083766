"""Camera health from measurements: stall threshold, quality grade and status.

Pure functions over a :class:`Measure` so the rules read as a table and are easy to test;
the hub's watchdog thread feeds them and publishes a status only when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.types import Grade, Status

# (grade, least share of the expected frame rate, most stalls + reconnects in the last hour)
GRADE_RULES: tuple[tuple[Grade, float, int], ...] = (
    ("excellent", 0.9, 0),
    ("fair", 0.7, 3),
    ("poor", 0.4, 12),
)
# Grades at which a camera that still delivers pictures is reported as degraded.
DEGRADED_GRADES: frozenset[Grade] = frozenset({"poor", "unusable"})


@dataclass(frozen=True)
class Measure:
    connected: bool
    last_frame_age: float | None
    fps_in: float
    expected_fps: float | None
    stalls_last_hour: int
    reconnects_last_hour: int


def stall_threshold(expected_fps: float | None, minimum: float) -> float:
    """A stall is no frame for two frame intervals, and never less than ``minimum`` seconds."""
    if not expected_fps:
        return minimum
    return max(2.0 / expected_fps, minimum)


def is_stalled(m: Measure, minimum: float) -> bool:
    if m.last_frame_age is None:
        return True
    return m.last_frame_age > stall_threshold(m.expected_fps, minimum)


def grade(m: Measure, minimum: float) -> Grade:
    if is_stalled(m, minimum):
        return "unusable"
    # Too few frames yet to measure a rate: judge by stalls and reconnects alone.
    ratio = m.fps_in / m.expected_fps if m.expected_fps and m.fps_in else 1.0
    troubles = m.stalls_last_hour + m.reconnects_last_hour
    for name, least_ratio, most_troubles in GRADE_RULES:
        if ratio >= least_ratio and troubles <= most_troubles:
            return name
    return "unusable"


def status(m: Measure, minimum: float) -> Status:
    if is_stalled(m, minimum):
        return "offline"
    return "degraded" if grade(m, minimum) in DEGRADED_GRADES else "online"


def backoff_delay(attempt: int, initial: float, cap: float) -> float:
    """Reconnect delay: quick retries first, doubling, capped (go2rtc/Frigate style)."""
    return min(initial * (2 ** min(attempt, 16)), cap)
