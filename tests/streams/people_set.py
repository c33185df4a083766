"""The labelled pedestrian set (``people_labels.json``) and how detections are scored.

A detection is right when its body box (the HOG window less its margins) overlaps an unmatched
labelled person with IoU ≥ ``MATCH_IOU``; each person matches once. Detections on ignored
people (too small, mostly hidden) are set aside. Precision = right ÷ (detections not set
aside), recall = right ÷ labelled people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from streams.people import Person

LABELS = Path(__file__).with_name("people_labels.json")
MATCH_IOU = 0.3
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Labelled:
    index: int
    grey: np.ndarray
    people: list[Box]
    ignore: list[Box]
    name: str = ""


@cache
def labelled_frames() -> tuple[Labelled, ...]:
    spec = json.loads(LABELS.read_text(encoding="utf-8"))
    wanted = {int(k): v for k, v in spec["frames"].items()}
    video = Path(spec["video"])
    if not video.exists():
        raise FileNotFoundError(f"{video} is missing: install Debian's {spec['debian_package']}")
    cap = cv2.VideoCapture(str(video))
    out, index = [], 0
    while wanted:
        ok, frame = cap.read()
        if not ok:
            break
        if index in wanted:
            entry = wanted.pop(index)
            out.append(Labelled(index, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY),
                                [tuple(b) for b in entry["people"]],
                                [tuple(b) for b in entry["ignore"]], f"vtest.avi#{index}"))
        index += 1
    cap.release()
    assert not wanted, f"frames {sorted(wanted)} not in {video}"
    folder = Path(spec["negatives_dir"])
    for name in spec["negatives"]:
        grey = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        assert grey is not None, f"cannot read {folder / name}"
        out.append(Labelled(-1, grey, [], [], name))
    return tuple(out)


def body(p: Person, width: int, height: int) -> Box:
    return ((p.x + p.w * 0.22) * width, (p.y + p.h * 0.1) * height,
            (p.x + p.w * 0.78) * width, (p.y + p.h * 0.92) * height)


def iou(a: Box, b: Box) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    missed: int = 0

    @property
    def precision(self) -> float:
        return self.right / max(1, self.right + self.wrong)

    @property
    def recall(self) -> float:
        return self.right / max(1, self.right + self.missed)


def score(frame: Labelled, found: list[Person], total: Score) -> Score:
    h, w = frame.grey.shape
    unmatched = list(frame.people)
    for person in sorted(found, key=lambda p: -p.weight):
        b = body(person, w, h)
        best = max(unmatched, key=lambda g: iou(b, g), default=None)
        if best is not None and iou(b, best) >= MATCH_IOU:
            unmatched.remove(best)
            total.right += 1
        elif any(iou(b, g) >= MATCH_IOU for g in frame.ignore):
            continue
        else:
            total.wrong += 1
    total.missed += len(unmatched)
    return total


#: Real people cut from labelled frames (frame, box), for scenes composed on the empty plaza.
GROUP = [(250, (372, 230, 420, 326)), (450, (558, 240, 595, 336)), (650, (469, 225, 501, 313)),
         (750, (635, 217, 677, 318)), (550, (640, 302, 672, 412))]
WALKER = (50, (668, 256, 716, 372))
MARGIN = 6


@cache
def plaza() -> np.ndarray:
    """The sample's empty scene: the per-pixel median of frames spread over the video."""
    spec = json.loads(LABELS.read_text(encoding="utf-8"))
    cap = cv2.VideoCapture(spec["video"])
    frames, index = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index % 8 == 0:
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        index += 1
    cap.release()
    return np.median(np.stack(frames), axis=0).astype(np.uint8)


def cutout(frame_index: int, box: tuple[int, int, int, int]) -> np.ndarray:
    grey = next(f.grey for f in labelled_frames() if f.index == frame_index)
    x0, y0, x1, y1 = box
    return grey[y0 - MARGIN: y1 + MARGIN, x0 - MARGIN: x1 + MARGIN].copy()


def compose(placements: list[tuple[np.ndarray, int, int]]) -> np.ndarray:
    """The empty plaza with each cut-out person pasted with its top left at (x, y)."""
    scene = plaza().copy()
    for person, x, y in placements:
        h, w = person.shape
        scene[y: y + h, x: x + w] = person
    return scene
