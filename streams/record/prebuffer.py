"""The pre-event buffer: a camera's recent packets in memory, from a keyframe on.

An event recording starts with what this buffer holds, so a clip of an alert shows the
seconds before it even when the camera does not record continuously. The buffer always
begins at a keyframe (a decoder cannot start elsewhere) at or before ``seconds`` ago.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import av


@dataclass(frozen=True)
class Held:
    """One packet as it arrived: the packet, its time base and the wall-clock arrival."""

    packet: av.Packet
    time_base: Fraction
    wall: float
    keyframe: bool


class PreBuffer:
    """Keeps the packets since the last keyframe at or before ``seconds`` ago, by GOP."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._gops: deque[list[Held]] = deque()
        self.bytes = 0

    def add(self, item: Held) -> None:
        if item.keyframe:
            self._gops.append([item])
        elif self._gops:
            self._gops[-1].append(item)
        else:
            return  # never start in the middle of a GOP
        self.bytes += item.packet.size
        horizon = item.wall - self.seconds
        # Drop the oldest GOP while the next one already starts at or before the horizon.
        while len(self._gops) > 1 and self._gops[1][0].wall <= horizon:
            self.bytes -= sum(h.packet.size for h in self._gops.popleft())

    def since(self, after: float) -> list[Held]:
        """The held packets from the first keyframe arriving after ``after`` (wall clock)."""
        out: list[Held] = []
        for gop in self._gops:
            if out or gop[0].wall > after:
                out.extend(gop)
        return out

    def clear(self) -> None:
        self._gops.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return sum(len(g) for g in self._gops)
