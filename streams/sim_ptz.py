"""The pan-tilt-zoom head of a simulated camera: a window moving over a larger scene.

Positions use ONVIF's generic spaces: pan and tilt in [-1, 1] (the window's center from the
scene's left/top edge to its right/bottom edge), zoom in [0, 1] (0: the widest view, half the
scene's width; 1: ``MAX_ZOOM`` times closer). A continuous move integrates its velocity over
time until it is stopped or its timeout passes, as a real head does. Heads live in a
process-wide registry by name, shared by the ``sim://?ptz=<name>`` source that draws through
them and by the ONVIF endpoint (:mod:`streams.onvif_sim`) that steers them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

MAX_ZOOM = 4.0  # window width at zoom 1 = widest window ÷ MAX_ZOOM
SCENE_FACTOR = 2  # the scene is this many times the picture in each direction
MAX_PRESETS = 32


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@dataclass(frozen=True)
class Position:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0


@dataclass
class Preset:
    token: str
    name: str
    position: Position


@dataclass
class SimHead:
    """One simulated head. Thread-safe: the reader thread reads, the ONVIF endpoint steers."""

    name: str
    _position: Position = field(default_factory=Position)
    _velocity: Position = field(default_factory=Position)
    _since: float = field(default_factory=time.monotonic)
    _until: float | None = None
    presets: dict[str, Preset] = field(default_factory=dict)
    moves: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_token: int = 1

    def position(self, now: float | None = None) -> Position:
        with self._lock:
            return self._advance(time.monotonic() if now is None else now)

    def moving(self) -> bool:
        with self._lock:
            self._advance(time.monotonic())
            return self._velocity != Position()

    def _advance(self, now: float) -> Position:
        end = now if self._until is None else min(now, self._until)
        dt = max(0.0, end - self._since)
        v, p = self._velocity, self._position
        # Full speed crosses the pan range in 4 s and the zoom range in 2 s.
        self._position = Position(
            _clamp(p.pan + v.pan * dt * 0.5, -1, 1),
            _clamp(p.tilt + v.tilt * dt * 0.5, -1, 1),
            _clamp(p.zoom + v.zoom * dt * 0.5, 0, 1),
        )
        self._since = now
        if self._until is not None and now >= self._until:
            self._velocity, self._until = Position(), None
        return self._position

    def continuous_move(self, pan: float, tilt: float, zoom: float,
                        timeout: float | None = None) -> None:
        with self._lock:
            now = time.monotonic()
            self._advance(now)
            self._velocity = Position(_clamp(pan, -1, 1), _clamp(tilt, -1, 1), _clamp(zoom, -1, 1))
            self._until = now + timeout if timeout else None
            self.moves += 1

    def stop(self, pan_tilt: bool = True, zoom: bool = True) -> None:
        with self._lock:
            self._advance(time.monotonic())
            v = self._velocity
            self._velocity = Position(0 if pan_tilt else v.pan, 0 if pan_tilt else v.tilt,
                                      0 if zoom else v.zoom)

    def absolute_move(self, position: Position) -> None:
        with self._lock:
            self._since = time.monotonic()
            self._velocity, self._until = Position(), None
            self._position = Position(_clamp(position.pan, -1, 1), _clamp(position.tilt, -1, 1),
                                      _clamp(position.zoom, 0, 1))
            self.moves += 1

    def set_preset(self, name: str, token: str | None = None) -> str:
        """Store the current position; returns the preset token (a new one unless given)."""
        position = self.position()
        with self._lock:
            if token is None:
                if len(self.presets) >= MAX_PRESETS:
                    raise ValueError("too many presets")
                while f"p{self._next_token}" in self.presets:
                    self._next_token += 1
                token = f"p{self._next_token}"
            elif token not in self.presets:
                raise KeyError(token)
            self.presets[token] = Preset(token, name or token, position)
            return token

    def goto_preset(self, token: str) -> None:
        preset = self.presets[token]  # KeyError: no such preset
        self.absolute_move(preset.position)

    def remove_preset(self, token: str) -> None:
        with self._lock:
            del self.presets[token]

    def window(self, scene_w: int, scene_h: int) -> tuple[int, int, int, int]:
        """The window ``(x, y, w, h)`` of a ``scene_w × scene_h`` scene the head looks at."""
        p = self.position()
        scale = (1.0 / SCENE_FACTOR) / (1 + (MAX_ZOOM - 1) * p.zoom)
        w, h = max(2, int(scene_w * scale)), max(2, int(scene_h * scale))
        cx = scene_w / 2 + p.pan * (scene_w - w) / 2
        cy = scene_h / 2 - p.tilt * (scene_h - h) / 2  # tilt up: positive
        x = int(_clamp(cx - w / 2, 0, scene_w - w))
        y = int(_clamp(cy - h / 2, 0, scene_h - h))
        return x, y, w, h


_heads: dict[str, SimHead] = {}
_registry_lock = threading.Lock()


def head(name: str) -> SimHead:
    """The head called ``name``, made on first use."""
    with _registry_lock:
        found = _heads.get(name)
        if found is None:
            found = _heads[name] = SimHead(name)
        return found


def find_head(name: str) -> SimHead | None:
    with _registry_lock:
        return _heads.get(name)
