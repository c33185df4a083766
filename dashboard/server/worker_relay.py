"""The app's side of stream workers (``[streams] ingest = "workers"``): a hub that pulls no
camera itself and relays each camera's pictures from the worker that holds it.

:class:`WorkerHub` stands where the :class:`~streams.hub.StreamHub` stands, so the stream
routes, the wall's socket and the focus view work unchanged. ``open_stream`` gives a
:class:`RelayStream`: one HTTP pull of the owner's MJPEG per camera and role in this process,
whoever and however many watch, its JPEG bytes passed on as they are (never decoded here).
The relay asks the lease table for the owner every few seconds and follows it when the
camera changes worker. Health and alerts come from the database, where the workers write
them: ``health()`` is empty, so pages show the recorded status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx
from sqlalchemy.orm import Session, sessionmaker

from config.cameras import CameraConfig
from config.streams import StreamSettings
from dispatch.workers import owner_url
from streams.audience import Audience
from streams.hub import StreamHub, UnknownCamera
from streams.jpeg import multipart_part
from streams.meter import StreamMeter
from streams.redact import redact_url as redact
from streams.types import CameraHealth, StreamRole

log = logging.getLogger("dashboard.server.worker_relay")
#: A relay nobody watches stops pulling after this long.
IDLE_SECONDS = 5.0
#: Seconds between checks that the camera's owner is still the one pulled from.
FOLLOW_SECONDS = 2.0
_RETRY = 0.3

Locate = Callable[[str], "str | None"]


class RelayStream(Audience):
    """One camera's pictures relayed from its owner, shared by every viewer of this process."""

    def __init__(self, camera_id: str, role: StreamRole, locate: Locate,
                 headers: dict[str, str], read_timeout: float) -> None:
        self.camera_id, self.role = camera_id, role
        self._locate, self._headers, self._read_timeout = locate, headers, read_timeout
        self._lock = threading.Lock()
        self.meter = StreamMeter()
        self._init_audience()
        self.demand = 0
        self.seq = 0
        self._jpeg: tuple[int, bytes] | None = None
        self._part: tuple[int, bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.pulls = 0  # connections made to owners (tests and the bench read it)
        self.source: str | None = None

    # viewers start the pull -----------------------------------------------------------
    def add_viewer(self, on_picture: Callable[[], None]) -> int:
        key = super().add_viewer(on_picture)
        self._ensure()
        return key

    def add_packet_hook(self, hook: Callable[..., None], *, frames: bool = True) -> int:
        key = super().add_packet_hook(hook, frames=frames)
        self._ensure()
        return key

    def want(self) -> None:
        """Someone waits for a picture without watching (a snapshot)."""
        with self._lock:
            self.demand += 1
        self._ensure()

    def unwant(self) -> None:
        with self._lock:
            self.demand -= 1

    def _ensure(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"relay:{self.camera_id}:{self.role}")
                self._thread.start()

    def _wanted(self) -> bool:
        return bool(self.viewers or self.demand)

    # pictures ------------------------------------------------------------------------
    def jpeg(self) -> tuple[int, bytes] | None:
        return self._jpeg

    def latest_jpeg(self) -> tuple[int, bytes] | None:
        return self._jpeg

    def ready_part(self) -> tuple[int, bytes] | None:
        return self._part

    def latest_part(self) -> tuple[int, bytes] | None:
        return self._part

    def _picture(self, data: bytes) -> None:
        with self._lock:
            self.seq += 1
            self._jpeg = (self.seq, data)
            self._part = (self.seq, multipart_part(self.seq, data))
        self.meter.frame_arrived(time.monotonic())
        self.wake_viewers()

    # the pull ------------------------------------------------------------------------
    def _run(self) -> None:
        idle_since: float | None = None
        while not self._stop.is_set():
            with self._lock:
                if self._wanted():
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > IDLE_SECONDS:
                    self._thread = None
                    return
            base = self._locate(self.camera_id)
            if base is not None and self._wanted():
                try:
                    self._pull(base)
                except (httpx.HTTPError, OSError) as exc:
                    log.info("relay of %s from %s ended: %s", self.camera_id, base,
                             redact(str(exc)))
            self._stop.wait(_RETRY)
        with self._lock:
            self._thread = None

    def _pull(self, base: str) -> None:
        url = f"{base}/streams/{self.camera_id}.mjpg"
        timeout = httpx.Timeout(self._read_timeout, connect=2.0)
        with httpx.stream("GET", url, params={"stream": self.role}, headers=self._headers,
                          timeout=timeout) as answer:
            if answer.status_code != 200:
                return  # the camera is changing worker: ask again
            self.pulls += 1
            self.source = base
            followed = time.monotonic()
            buffer = b""
            for chunk in answer.iter_raw():
                buffer = self._parts(buffer + chunk)
                if self._stop.is_set() or not self._wanted():
                    return
                if time.monotonic() - followed > FOLLOW_SECONDS:
                    followed = time.monotonic()
                    if self._locate(self.camera_id) != base:
                        return  # handed to another worker

    def _parts(self, buffer: bytes) -> bytes:
        """Take every whole part off ``buffer``; return what is left."""
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return buffer
            length = _content_length(buffer[:head_end])
            if length is None:  # not a part's head: skip to the next boundary
                buffer = buffer[head_end + 4:]
                continue
            start = head_end + 4
            if len(buffer) < start + length:
                return buffer
            self._picture(buffer[start:start + length])
            buffer = buffer[start + length:]

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(self._read_timeout + 3)


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


class WorkerHub(StreamHub):
    """A hub whose cameras are held by stream workers (see the module docstring)."""

    def __init__(self, cameras: list[CameraConfig], settings: StreamSettings,
                 session_factory: sessionmaker[Session]) -> None:
        super().__init__([], settings)
        self._configs = {c.id: c for c in cameras if c.enabled}
        self._factory = session_factory
        token = settings.workers.token
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._relays: dict[tuple[str, StreamRole], RelayStream] = {}

    def owner(self, camera_id: str) -> str | None:
        """The base URL of the worker holding the camera now."""
        with self._factory() as session:
            return owner_url(session, camera_id)

    def camera_ids(self) -> list[str]:
        return list(self._configs)

    def configs(self) -> list[CameraConfig]:
        return list(self._configs.values())

    def open_stream(self, camera_id: str, role: StreamRole = "sub") -> RelayStream:  # type: ignore[override]
        if camera_id not in self._configs:
            raise UnknownCamera(camera_id)
        with self._lock:
            relay = self._relays.get((camera_id, role))
            if relay is None:
                relay = RelayStream(camera_id, role, self.owner, self._headers,
                                    self.settings.read_timeout)
                self._relays[(camera_id, role)] = relay
            return relay

    def snapshot(self, camera_id: str, stream: StreamRole = "sub", wait: float | None = None) -> bytes | None:
        """The owner's current picture, or the relay's newest when one is running."""
        relay = self.open_stream(camera_id, stream)
        if relay.viewers and relay.latest_jpeg() is not None:
            return relay.latest_jpeg()[1]  # type: ignore[index]
        base = self.owner(camera_id)
        if base is None:
            return None
        timeout = (self.settings.connect_timeout if wait is None else wait) + 2.0
        try:
            answer = httpx.get(f"{base}/streams/{camera_id}.jpg", params={"stream": stream},
                               headers=self._headers, timeout=timeout)
        except httpx.HTTPError as exc:
            log.info("snapshot of %s from %s failed: %s", camera_id, base, redact(str(exc)))
            return None
        return answer.content if answer.status_code == 200 else None

    def health(self) -> list[CameraHealth]:
        return []  # the workers record status in the database; pages read it there

    def close_viewers(self) -> None:
        super().close_viewers()
        for relay in list(self._relays.values()):
            relay.wake_viewers()

    def stop_sync(self) -> None:
        super().stop_sync()
        for relay in list(self._relays.values()):
            relay.stop()
