"""A simulated camera: a moving scene in YUV at a chosen size and rate, for demos and tests.

``sim://?w=640&h=360&fps=10&label=cam-1&stamp=1&pattern=scene`` — ``pattern`` is ``scene``
(moving gradient and a bright box), ``black``, ``still`` (a frozen picture) or ``blur``
(a scene without any edge), so the tamper checks can be demonstrated. ``ptz=<head>`` looks at
a scene twice the picture's size through the pan-tilt-zoom head of that name
(:mod:`streams.sim_ptz`), which the simulated ONVIF endpoint steers. ``stamp=1`` writes the
capture time into the top rows (see :mod:`streams.stamp`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import av
import cv2
import numpy as np

from streams.sim_ptz import SCENE_FACTOR, SimHead, head
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
    ptz: str = ""

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
                ptz=query.get("ptz", "")[:64],
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
        self._head: SimHead | None = None
        if spec.ptz and spec.pattern == "scene":
            self._head = head(spec.ptz)
            self._scene = town(w * SCENE_FACTOR, h * SCENE_FACTOR)

    def frame(self, n: int, *, wall_ms: int | None = None) -> av.VideoFrame:
        spec = self.spec
        w, h = spec.width, spec.height
        if self._head is not None:
            luma = self._through_head(n)
        elif spec.pattern == "scene":
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

    def _through_head(self, n: int) -> np.ndarray:
        """The head's window of the scene, scaled to the picture, with a box walking by."""
        w, h = self.spec.width, self.spec.height
        sh, sw = self._scene.shape
        x, y, ww, wh = self._head.window(sw, sh)  # type: ignore[union-attr]
        luma = cv2.resize(self._scene[y: y + wh, x: x + ww], (w, h), interpolation=cv2.INTER_LINEAR)
        # The box moves in the scene, so it leaves the picture when the head turns away.
        box = max(8, sh // 12)
        bx = (n * 6) % max(1, sw - box)
        by = int((sh - box) / 2 + (sh / 5) * np.sin(n / 20))
        fx, fy = w / ww, h / wh
        x0, y0 = int((bx - x) * fx), int((by - y) * fy)
        x1, y1 = int((bx + box - x) * fx), int((by + box - y) * fy)
        luma[max(0, y0): max(0, min(h, y1)), max(0, x0): max(0, min(w, x1))] = 235
        # A seconds counter, like a camera's on-screen clock: a head at rest over a still
        # scene still changes some pixels every second, so it is not taken for frozen.
        seconds = int(n / self.spec.fps)
        cv2.putText(luma, f"{seconds % 10000:04d}", (w - 70, h - 10), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, 235, 1, cv2.LINE_AA)
        return luma


def town(width: int, height: int) -> np.ndarray:
    """A still grey scene with landmarks a moving window shows plainly: blocks of different
    shades, a road grid and a letter-number mark (A1 … ) in every block."""
    scene = np.full((height, width), 90, np.uint8)
    cols, rows = 8, 6
    bw, bh = width // cols, height // rows
    for r in range(rows):
        for c in range(cols):
            shade = 60 + ((r * 5 + c * 3) % 7) * 22
            x0, y0 = c * bw + bw // 10, r * bh + bh // 10
            scene[y0: y0 + bh * 8 // 10, x0: x0 + bw * 8 // 10] = shade
            text = f"{'ABCDEFGH'[c]}{r + 1}"
            ink = 235 if shade < 140 else 25
            cv2.putText(scene, text, (x0 + bw // 8, y0 + bh // 2), cv2.FONT_HERSHEY_SIMPLEX,
                        max(0.5, bh / 90), ink, 2, cv2.LINE_AA)
    return scene
