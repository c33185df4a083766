"""A simulated camera: a moving scene in YUV at a chosen size and rate, for demos and tests.

``sim://?w=640&h=360&fps=10&label=cam-1&stamp=1&pattern=scene`` — ``pattern`` is ``scene``
(moving gradient and a bright box), ``black``, ``still`` (a frozen picture) or ``blur``
(a scene without any edge), so the tamper checks can be demonstrated. ``stamp=1`` writes the
capture time into the top rows (see :mod:`streams.stamp`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import av
import cv2
import numpy as np

from streams.stamp import BAR_ROWS, write_stamp

PATTERNS = ("scene", "black", "still", "blur")


@dataclass(frozen=True)
class SimSpec:
    width: int = 640
    height: int = 360
    fps: float = 10.0
    label: str = ""
    stamp: bool = False
    pattern: str = "scene"

    @classmethod
    def parse(cls, url: str) -> SimSpec:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        try:
            spec = cls(
                width=int(query.get("w", 640)),
                height=int(query.get("h", 360)),
                fps=float(query.get("fps", 10)),
                label=query.get("label", "")[:40],
                stamp=query.get("stamp", "0") in ("1", "true", "yes"),
                pattern=query.get("pattern", "scene"),
            )
        except ValueError as exc:
            raise ValueError(f"bad sim:// parameter: {exc}") from None
        if not (16 <= spec.width <= 3840 and 16 <= spec.height <= 2160):
            raise ValueError("sim:// size must be between 16 and 3840×2160")
        if spec.width % 2 or spec.height % 2:
            raise ValueError("sim:// width and height must be even")
        if not 0 < spec.fps <= 120:
            raise ValueError("sim:// fps must be in (0, 120]")
        if spec.pattern not in PATTERNS:
            raise ValueError(f"sim:// pattern must be one of {', '.join(PATTERNS)}")
        return spec


class SimScene:
    """Draws frames of one simulated camera; ``frame(n)`` is cheap (a roll and a box)."""

    def __init__(self, spec: SimSpec) -> None:
        self.spec = spec
        w, h = spec.width, spec.height
        x = np.linspace(0, 4 * np.pi, w, dtype=np.float32)
        y = np.linspace(0, 2 * np.pi, h, dtype=np.float32)[:, None]
        texture = 110 + 50 * np.sin(x)[None, :] * np.cos(y) + 30 * np.sign(np.sin(7 * x))[None, :]
        self._base = np.clip(texture, 20, 230).astype(np.uint8)
        if spec.pattern == "blur":
            self._base = np.full((h, w), 120, np.uint8)
        if spec.pattern == "black":
            self._base = np.full((h, w), 16, np.uint8)
        # The label stays put while the scene moves, like a camera's on-screen display: top
        # left, below where the wall draws a tile's name and above the moving box's reach (at
        # the foot it showed beside the tile's center name, "…综治中心1").
        self._osd: tuple[int, int, np.ndarray] | None = None
        if spec.label and spec.pattern in ("scene", "still"):
            text = spec.label.encode("ascii", "replace").decode()
            mask = np.zeros((h, w), np.uint8)
            cv2.putText(mask, text, (10, int(h * 0.155)), cv2.FONT_HERSHEY_SIMPLEX,
                        max(0.4, h / 600), 255, 2, cv2.LINE_AA)
            rows, cols = np.nonzero(mask)
            if rows.size:
                top, left = int(rows.min()), int(cols.min())
                self._osd = (top, left, mask[top: rows.max() + 1, left: cols.max() + 1] > 96)
        self._chroma = np.full((h // 2, w), 128, np.uint8)
        self._chroma[:, : w // 2] = 118  # a slight tint so colour paths are exercised
        # Cameras with different labels show different moments of the scene, so a wall of
        # simulated cameras does not play sixteen copies of one picture in step.
        self._phase = zlib.crc32(spec.label.encode()) % 997 if spec.label else 0

    def frame(self, n: int, *, wall_ms: int | None = None) -> av.VideoFrame:
        spec = self.spec
        w, h = spec.width, spec.height
        if spec.pattern == "scene":
            n += self._phase
            luma = np.roll(self._base, (n * 4) % w, axis=1)
            box = max(8, h // 6)
            bx = int((n * 8) % max(1, w - box))
            by = int((h - box) / 2 + (h / 4) * np.sin(n / 15))
            luma[by : by + box, bx : bx + box] = 235
        else:
            luma = self._base.copy()
        if self._osd is not None:
            top, left, text = self._osd
            luma[top: top + text.shape[0], left: left + text.shape[1]][text] = 235
        if spec.stamp and wall_ms is not None and h > BAR_ROWS * 2:
            write_stamp(luma, wall_ms)
        planes = np.concatenate([luma, self._chroma])
        return av.VideoFrame.from_ndarray(planes, format="yuv420p")
