"""Counting people in a picture with OpenCV's HOG people detector (no model to download).

The detector is the Dalal–Triggs HOG + linear SVM that ships inside OpenCV
(``cv2.HOGDescriptor_getDefaultPeopleDetector``; the contrib build of OpenCV 5 keeps it). It
sees upright people about 100 px tall or more in a 64×128 window, so the picture is scaled to
``detect_width`` first. It runs on the grey picture (the Y plane: no colour conversion).
Overlapping answers for one person are merged by a containment-aware suppression: a box
that mostly contains a stronger one, or is mostly inside it, is the same person; two people
side by side overlap less and are both kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

#: Detector settings measured on the labelled set (docs/streams.md, bench/gathering.py).
WIN_STRIDE = (8, 8)
PADDING = (8, 8)
SCALE = 1.05
MIN_WEIGHT = 0.5  # SVM margin below which an answer is dropped
SAME_PERSON = 0.7  # intersection ÷ smaller box at or above which two boxes are one person

_local = threading.local()


def _hog() -> cv2.HOGDescriptor:
    # One descriptor per thread: detectMultiScale is not documented as re-entrant.
    hog = getattr(_local, "hog", None)
    if hog is None:
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        _local.hog = hog
    return hog


@dataclass(frozen=True)
class Person:
    """A detection, in fractions of the picture: box ``x, y, w, h`` and its SVM ``weight``."""

    x: float
    y: float
    w: float
    h: float
    weight: float

    @property
    def foot(self) -> tuple[float, float]:
        """Where the person stands: the box's bottom middle, less the window's margin."""
        return self.x + self.w / 2, self.y + self.h * 0.92


def suppress(boxes: np.ndarray, weights: np.ndarray) -> list[int]:
    """Indices of boxes kept, strongest first (boxes as ``x, y, w, h`` rows)."""
    order = list(np.argsort(-weights))
    kept: list[int] = []
    for i in order:
        x, y, w, h = boxes[i]
        same = False
        for j in kept:
            x2, y2, w2, h2 = boxes[j]
            iw = min(x + w, x2 + w2) - max(x, x2)
            ih = min(y + h, y2 + h2) - max(y, y2)
            if iw > 0 and ih > 0 and iw * ih >= SAME_PERSON * min(w * h, w2 * h2):
                same = True
                break
        if not same:
            kept.append(int(i))
    return kept


def detect(grey: np.ndarray, detect_width: int = 768, min_weight: float = MIN_WEIGHT) -> list[Person]:
    """People in a grey picture (any size; scaled to ``detect_width`` wide first)."""
    h, w = grey.shape[:2]
    if w != detect_width:
        scale = detect_width / w
        grey = cv2.resize(grey, (detect_width, max(1, round(h * scale))),
                          interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)
    gh, gw = grey.shape[:2]
    if gh < 128 or gw < 64:
        return []
    boxes, weights = _hog().detectMultiScale(grey, winStride=WIN_STRIDE, padding=PADDING,
                                             scale=SCALE)
    if len(boxes) == 0:
        return []
    weights = np.asarray(weights, dtype=np.float32).reshape(-1)
    boxes = np.asarray(boxes)
    strong = weights >= min_weight
    boxes, weights = boxes[strong], weights[strong]
    return [
        Person(float(boxes[i][0]) / gw, float(boxes[i][1]) / gh, float(boxes[i][2]) / gw,
               float(boxes[i][3]) / gh, float(weights[i]))
        for i in suppress(boxes, weights)
    ]
