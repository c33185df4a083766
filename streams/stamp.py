"""A capture time stamped into the picture as black/white blocks that survive JPEG and H.264.

The top ``BAR_ROWS`` rows of the luma plane carry 64 blocks: 48 bits of wall-clock
milliseconds and a 16-bit check. Reading it back from a received picture gives the
capture-to-viewer latency without any side channel.
"""

from __future__ import annotations

import numpy as np

BITS = 64
BAR_ROWS = 16
_DARK, _LIGHT = 16, 235


def _check(ms: int) -> int:
    folded = (ms & 0xFFFF) ^ ((ms >> 16) & 0xFFFF) ^ ((ms >> 32) & 0xFFFF)
    return folded ^ 0xA5C3


def stamp_bits(ms: int) -> np.ndarray:
    value = ((ms & ((1 << 48) - 1)) << 16) | _check(ms)
    return np.array([(value >> (BITS - 1 - i)) & 1 for i in range(BITS)], dtype=np.uint8)


def write_stamp(luma: np.ndarray, ms: int) -> None:
    """Draw ``ms`` into the top rows of ``luma`` (a writable H×W uint8 plane), in place."""
    width = luma.shape[1]
    bits = stamp_bits(ms)
    edges = np.linspace(0, width, BITS + 1).astype(int)
    cols = np.repeat(bits, np.diff(edges))
    row = np.where(cols == 1, _LIGHT, _DARK).astype(np.uint8)
    luma[:BAR_ROWS, :] = row


def read_stamp(grey: np.ndarray) -> int | None:
    """Read the stamp from a grey picture of any width; ``None`` when absent or damaged."""
    height, width = grey.shape[:2]
    if height < 8 or width < BITS * 2:
        return None
    # Sample a few rows inside the bar, away from its edges (the picture may be scaled down).
    centres = ((np.arange(BITS) + 0.5) * width / BITS).astype(int)
    samples = grey[2:5, centres].astype(np.float32).mean(axis=0)
    value = 0
    for bit in samples > 128:
        value = (value << 1) | int(bit)
    ms, check = value >> 16, value & 0xFFFF
    return ms if _check(ms) == check else None
