"""Who watches a stream: MJPEG viewers on their event loops and WebRTC packet hooks.

:class:`Audience` is the viewing half of :class:`streams.stream.Stream`. A viewer is a
callback on its event loop; the reader hands each new picture to every loop with viewers in
one ``call_soon_threadsafe``, and the callbacks write without waiting, so a slow viewer only
ever misses frames. Packet hooks (WebRTC viewers) receive every delivery on the reader thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from streams.meter import StreamMeter
from streams.sources import Delivery

PacketHook = Callable[[Delivery], None]


@dataclass
class Viewer:
    loop: asyncio.AbstractEventLoop
    on_picture: Callable[[], None]  # called on ``loop``; must not block
    skipped: int = 0


class Audience:
    """Mixin of :class:`streams.stream.Stream` holding its viewers; the stream provides
    ``_lock`` (shared with its newest picture) and ``meter``."""

    _lock: threading.Lock
    meter: StreamMeter

    def _init_audience(self) -> None:
        self._viewers: dict[int, Viewer] = {}
        self._next_viewer = 0
        self._packet_hooks: dict[int, PacketHook] = {}
        self._packets_only: set[int] = set()  # hooks that take packets and need no pictures
        self.idle_since: float | None = time.monotonic()

    def add_viewer(self, on_picture: Callable[[], None]) -> int:
        """Register a viewer on the running event loop; ``on_picture`` is called there for
        each new picture and each change of state (stopping), and must not block. Returns
        the key for :meth:`remove_viewer`."""
        loop = asyncio.get_running_loop()
        with self._lock:
            self._next_viewer += 1
            key = self._next_viewer
            self._viewers[key] = Viewer(loop, on_picture)
            self.idle_since = None
        return key

    def delivered(self, key: int, last: int, seq: int) -> None:
        """Viewer ``key`` had picture ``last`` and now gets ``seq``: count the ones it skipped."""
        if not last or seq <= last + 1:
            return
        self.meter.skipped(seq - last - 1)
        with self._lock:
            if key in self._viewers:
                self._viewers[key].skipped += seq - last - 1

    def remove_viewer(self, key: int) -> None:
        with self._lock:
            self._viewers.pop(key, None)
            if not self._viewers and not self._packet_hooks:
                self.idle_since = time.monotonic()

    @property
    def viewers(self) -> int:
        return len(self._viewers) + len(self._packet_hooks)

    def wake_viewers(self) -> None:
        """Tell every viewer: a new picture, or time to check whether to end."""
        # One hand-over per event loop, not per viewer: each call wakes the loop through a pipe.
        by_loop: dict[asyncio.AbstractEventLoop, list[Callable[[], None]]] = {}
        for viewer in list(self._viewers.values()):
            by_loop.setdefault(viewer.loop, []).append(viewer.on_picture)
        for loop, callbacks in by_loop.items():
            try:
                loop.call_soon_threadsafe(_call_all, callbacks)
            except RuntimeError:  # that loop has closed: its viewers are gone
                pass

    def add_packet_hook(self, hook: PacketHook, *, frames: bool = True) -> int:
        """Receive every delivery on the reader thread (WebRTC viewers, recorders); returns a
        key. ``frames=False``: the hook copies packets only, so it makes nothing decode."""
        with self._lock:
            self._next_viewer += 1
            self._packet_hooks[self._next_viewer] = hook
            if not frames:
                self._packets_only.add(self._next_viewer)
            self.idle_since = None
            return self._next_viewer

    @property
    def hooks_want_pictures(self) -> bool:
        """Whether a packet hook needs decoded pictures."""
        return len(self._packet_hooks) > len(self._packets_only)

    def remove_packet_hook(self, key: int) -> None:
        with self._lock:
            self._packet_hooks.pop(key, None)
            self._packets_only.discard(key)
            if not self._viewers and not self._packet_hooks:
                self.idle_since = time.monotonic()


def _call_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # one viewer's failure must not cost the others their picture
            logging.getLogger("streams").exception("viewer callback failed")
