"""Tamper checks on a sub-stream: black, frozen, heavily blurred picture, motion in zones.

Runs on the reader thread on a small grey picture (the Y plane scaled by swscale), so it costs
well under a millisecond per frame. A condition must hold for ``hold_seconds`` before it is
reported, and is reported again only after ``repeat_seconds`` while it lasts. Once every
reported condition has been absent for ``hold_seconds``, ``cleared`` is called: an alert
raised for it stays open exactly while its condition lasts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import cv2
import numpy as np

from config.cameras import MotionZone
from config.streams import TamperSettings
from streams.jpeg import grey_small

Report = Callable[[str, av.VideoFrame], None]  # (detail, frame that showed it)
Cleared = Callable[[str], None]  # (details that ended, comma-separated)


@dataclass
class _Condition:
    since: float | None = None
    reported_at: float | None = None  # not None: reported and not yet over
    absent_since: float | None = None


class TamperDetector:
    def __init__(self, settings: TamperSettings, zones: list[MotionZone], report: Report,
                 cleared: Cleared | None = None) -> None:
        self.settings, self.zones, self._report, self._cleared = settings, zones, report, cleared
        self._previous: np.ndarray | None = None
        self._conditions: dict[str, _Condition] = {}
        self._last_check = float("-inf")

    def __call__(self, frame: av.VideoFrame) -> None:
        # Like a detector's fps: these conditions last seconds, a few looks a second suffice.
        now = time.monotonic()
        if now - self._last_check >= 1.0 / self.settings.max_fps:
            self._last_check = now
            self.check(frame, now)

    def check(self, frame: av.VideoFrame, now: float) -> list[str]:
        """Run every check on ``frame``; returns the details reported for it."""
        s = self.settings
        grey = grey_small(frame, s.analysis_width)
        previous, self._previous = self._previous, grey
        found: dict[str, bool] = {
            "black": float(grey.mean()) < s.black_luma,
            "blur": float(cv2.Laplacian(grey, cv2.CV_32F).var()) < s.blur_variance,
        }
        diff = None
        if previous is not None and previous.shape == grey.shape:
            diff = cv2.absdiff(grey, previous)
            changed = np.count_nonzero(diff > s.frozen_diff)
            found["frozen"] = changed < s.frozen_share * diff.size
        # A black picture is also edge-free and still: report it once, as black.
        if found["black"]:
            found["blur"] = found["frozen"] = False
        for zone in self.zones:
            found[f"motion:{zone.name}"] = diff is not None and self._moved(diff, zone)
        reported, ended = [], []
        for detail, present in found.items():
            change = self._update(detail, present, now)
            if change == "raised":
                reported.append(detail)
                self._report(detail, frame)
            elif change == "ended":
                ended.append(detail)
        if ended and not self.active and self._cleared is not None:
            self._cleared(",".join(ended))
        return reported

    @property
    def active(self) -> list[str]:
        """Conditions reported and not over yet."""
        return [d for d, c in self._conditions.items() if c.reported_at is not None]

    def _moved(self, diff: np.ndarray, zone: MotionZone) -> bool:
        h, w = diff.shape
        x0, y0 = int(zone.x * w), int(zone.y * h)
        x1, y1 = max(x0 + 1, int((zone.x + zone.w) * w)), max(y0 + 1, int((zone.y + zone.h) * h))
        area = diff[y0:y1, x0:x1]
        moving = np.count_nonzero(area > self.settings.motion_diff)
        return moving >= self.settings.motion_area * area.size

    def _update(self, detail: str, present: bool, now: float) -> str | None:
        """``raised`` (report it), ``ended`` (a reported condition is over) or None."""
        cond = self._conditions.setdefault(detail, _Condition())
        if not present:
            cond.since = None
            if cond.reported_at is None:
                return None
            if cond.absent_since is None:
                cond.absent_since = now
            if now - cond.absent_since < self.settings.hold_seconds:
                return None  # a flicker: the condition is not over yet
            cond.reported_at = cond.absent_since = None
            return "ended"
        cond.absent_since = None
        if cond.since is None:
            cond.since = now
        # Motion is an event in itself; the picture conditions must persist to count.
        hold = 0.0 if detail.startswith("motion:") else self.settings.hold_seconds
        if now - cond.since < hold:
            return None
        if cond.reported_at is not None and now - cond.reported_at < self.settings.repeat_seconds:
            return None
        cond.reported_at = now
        return "raised"
