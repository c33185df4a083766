"""The stream hub: cameras in, health and tamper events out, shared JPEGs for viewers.

Lifecycle (ASGI lifespan)::

    hub = StreamHub(cameras, settings)
    await hub.start()          # or hub.start_sync() outside asyncio
    ...
    await hub.stop()           # or hub.stop_sync(); joins every thread it started

Sub-streams are opened at start and kept open (health, tamper, tiles). A main stream is opened
when its first viewer arrives and closed ``main_idle_seconds`` after the last one left.
Event callbacks run on the hub's watchdog thread or a reader thread: keep them short and hand
work to your own loop (``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import tzinfo

import av

from config.cameras import CameraConfig
from config.streams import StreamSettings
from streams.camera import Camera, camera_health, measure
from streams.gathering import GatheringDetector
from streams.jpeg import encode_jpeg
from streams.stream import Stream
from streams.tamper import TamperDetector
from streams.types import CameraEvent, CameraHealth, EventCallback, Status, StreamRole
from streams.watchdog import is_stalled, stall_threshold, status

log = logging.getLogger("streams.hub")


class UnknownCamera(KeyError):
    """No camera with that id is configured."""


class StreamHub:
    def __init__(self, cameras: list[CameraConfig], settings: StreamSettings) -> None:
        self.settings = settings
        self._cameras: dict[str, Camera] = {}
        self._lock = threading.RLock()
        self._subscribers: list[EventCallback] = []
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._started = False
        self._closing = False  # the server is going away: MJPEG responses end
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        #: Local time zone of gathering schedules (set by the composition root; None: the host's).
        self.timezone: tzinfo | None = None
        self._gatherings: dict[str, GatheringDetector] = {}
        for cfg in cameras:
            if cfg.enabled:
                self._cameras[cfg.id] = self._build(cfg)

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.to_thread(self.start_sync)

    async def stop(self) -> None:
        """Close WebRTC sessions (``on_stop`` callbacks), then stop and join every thread."""
        for callback in list(self._on_stop):
            try:
                await callback()
            except Exception:
                log.exception("stop callback failed")
        await asyncio.to_thread(self.stop_sync)

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._on_stop.append(callback)

    @property
    def running(self) -> bool:
        return self._started and not self._stop.is_set()

    @property
    def serving(self) -> bool:
        """Whether MJPEG responses go on (False from :meth:`close_viewers` on)."""
        return self.running and not self._closing

    def close_viewers(self) -> None:
        """The server is shutting down: end every MJPEG response now, so the server need not
        wait out its grace period and cancel them. Readers stop later, in :meth:`stop`."""
        self._closing = True
        with self._lock:
            cameras = list(self._cameras.values())
        for stream in (s for cam in cameras for s in (cam.sub, cam.main) if s is not None):
            stream.wake_viewers()

    def start_sync(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self._closing = False
            self._stop.clear()
            for cam in self._cameras.values():
                cam.sub.start()
        self._watchdog = threading.Thread(target=self._watch, name="streams:watchdog", daemon=True)
        self._watchdog.start()

    def stop_sync(self) -> None:
        self._stop.set()
        if self._watchdog is not None:
            self._watchdog.join(10)
            self._watchdog = None
        with self._lock:
            self._started = False
            cameras = list(self._cameras.values())
        # Ask every reader first, then wait: readers inside a connect timeout end together.
        streams = [s for cam in cameras for s in (cam.sub, cam.main) if s is not None]
        for stream in streams:
            stream.request_stop()
        for stream in streams:
            stream.join()
        for detector in list(self._gatherings.values()):
            detector.stop()

    # cameras ---------------------------------------------------------------------------
    def _build(self, cfg: CameraConfig) -> Camera:
        s = self.settings
        sub = Stream(cfg.id, "sub", cfg.sub_url, s, width=s.tile_width, expected_fps=cfg.fps,
                     transport=cfg.rtsp_transport)
        main = None
        if cfg.main_url and cfg.main_url != cfg.sub_url:
            main = Stream(cfg.id, "main", cfg.main_url, s, width=s.main_width,
                          transport=cfg.rtsp_transport)
        cam = Camera(cfg, sub, main)
        if cfg.tamper and s.tamper.enabled:
            cam.tamper = TamperDetector(
                s.tamper, cfg.motion_zones,
                lambda detail, frame: self._tampered(cam, detail, frame),
                lambda details: self._untampered(cam, details),
            )
            sub.key_hooks.append(cam.tamper)  # keyframes suffice: conditions last seconds
        if cfg.gathering is not None:
            # Every picture decoded (cheap at sub-stream size); the counter takes 1–2 a second.
            detector = GatheringDetector(
                cfg.id, cfg.gathering,
                lambda zone, count, frame, _: self._gathered(cam, zone, count, frame),
                tz=lambda: self.timezone,
            )
            self._gatherings[cfg.id] = detector
            sub.frame_hooks.append(detector)
        return cam

    def add_camera(self, cfg: CameraConfig) -> None:
        """Add (or replace) a camera; its sub-stream opens at once if the hub is running."""
        self.remove_camera(cfg.id)
        cam = self._build(cfg)
        with self._lock:
            self._cameras[cfg.id] = cam
            if self._started:
                cam.sub.start()

    def remove_camera(self, camera_id: str) -> None:
        with self._lock:
            cam = self._cameras.pop(camera_id, None)
        if cam is not None:
            self._stop_camera(cam)

    def _stop_camera(self, cam: Camera) -> None:
        cam.sub.stop()
        detector = self._gatherings.pop(cam.config.id, None)
        if detector is not None:
            detector.stop()
        if cam.main is not None:
            cam.main.stop()

    def camera(self, camera_id: str) -> Camera:
        try:
            return self._cameras[camera_id]
        except KeyError:
            raise UnknownCamera(camera_id) from None

    def camera_ids(self) -> list[str]:
        return list(self._cameras)

    def configs(self) -> list[CameraConfig]:
        return [cam.config for cam in self._cameras.values()]

    # viewing ---------------------------------------------------------------------------
    def open_stream(self, camera_id: str, role: StreamRole = "sub") -> Stream:
        """The stream to watch; a main stream is started on demand (close it by idling)."""
        cam = self.camera(camera_id)
        stream = cam.stream(role)
        if stream is cam.main and (not stream.running or stream.stopping):
            stream.idle_since = time.monotonic()
            stream.start()
        return stream

    def snapshot(self, camera_id: str, stream: StreamRole = "sub", wait: float | None = None) -> bytes | None:
        """A current picture as JPEG; waits up to ``wait`` s (default: connect timeout) for
        one (a stream nobody watched decodes from its next keyframe on). ``None`` when there
        is no picture."""
        s = self.open_stream(camera_id, stream)
        asked = time.time()
        deadline = time.monotonic() + (self.settings.connect_timeout if wait is None else wait)
        with s.pictures_wanted():
            while True:
                # A picture decoded less than a frame interval or two before the request is current.
                fresh = s.frame is not None and s.frame_wall >= asked - 0.5
                if fresh or time.monotonic() >= deadline or self._stop.is_set():
                    got = s.jpeg()
                    return got[1] if got else None
                time.sleep(0.02)

    # events ----------------------------------------------------------------------------
    def subscribe(self, callback: EventCallback) -> None:
        """Call ``callback(CameraEvent)`` on every status change and tamper detection."""
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: EventCallback) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def _publish(self, event: CameraEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed")

    def _tampered(self, cam: Camera, detail: str, frame: av.VideoFrame) -> None:
        snapshot = encode_jpeg(frame, self.settings.tile_width, self.settings.jpeg_quality)
        logging.getLogger(f"streams.{cam.config.id}").warning("tamper: %s", detail)
        self._publish(
            CameraEvent(cam.config.id, cam.config.center, "tamper", status=cam.status or "online",
                        detail=detail, snapshot_jpeg=snapshot)
        )

    def _untampered(self, cam: Camera, details: str) -> None:
        logging.getLogger(f"streams.{cam.config.id}").info("tamper over: %s", details)
        self._publish(CameraEvent(cam.config.id, cam.config.center, "tamper_end",
                                  status=cam.status or "online", detail=details))

    def _gathered(self, cam: Camera, zone: str, count: int, frame: av.VideoFrame) -> None:
        snapshot = encode_jpeg(frame, self.settings.main_width, self.settings.jpeg_quality)
        logging.getLogger(f"streams.{cam.config.id}").warning("gathering: %s people in %s",
                                                              count, zone)
        self._publish(
            CameraEvent(cam.config.id, cam.config.center, "gathering", status=cam.status or "online",
                        detail=f"{zone}:{count}", snapshot_jpeg=snapshot)
        )

    def gathering(self, camera_id: str) -> GatheringDetector | None:
        """The camera's people counter, if it has gathering zones."""
        return self._gatherings.get(camera_id)

    # watchdog --------------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(self.settings.watchdog_interval):
            now = time.monotonic()
            with self._lock:
                cameras = list(self._cameras.values())
            for cam in cameras:
                try:
                    self._check(cam, now)
                except Exception:
                    log.exception("watchdog check failed for %s", cam.config.id)

    def _check(self, cam: Camera, now: float) -> None:
        minimum = self.settings.stall_min_seconds
        m = measure(cam.sub, now)
        stalled = is_stalled(m, minimum)
        if stalled and not cam.stalled and cam.sub.meter.last_frame_at is not None:
            cam.sub.meter.stalled(now)
            m = measure(cam.sub, now)
        cam.stalled = stalled
        if cam.idle or cam.watched_since is None:
            cam.watched_since = now  # judged from when it runs, or a publisher arrives
        else:
            self._judge(cam, status(m, minimum), now)
        main = cam.main
        if (main is not None and main.running and main.viewers == 0 and main.idle_since is not None
                and now - main.idle_since > self.settings.main_idle_seconds):
            main.request_stop()  # never block the watchdog on a reader's timeout

    def _judge(self, cam: Camera, new: Status, now: float) -> None:
        """Publish ``new`` if it is a change, after the start's grace and the recovery's
        steady spell (hysteresis)."""
        s = self.settings
        if cam.status is None and new == "offline" and now - cam.watched_since < s.first_status_seconds:  # type: ignore[operator]
            return  # still opening: a camera down at start is reported once the grace is over
        if cam.status == "offline" and new != "offline":
            cam.back_since = cam.back_since or now
            if now - cam.back_since < s.recover_seconds:
                return  # one late packet during a stall is not a recovery
        cam.back_since = None
        if new == cam.status:
            return
        old, cam.status = cam.status, new
        log_cam = logging.getLogger(f"streams.{cam.config.id}")
        log_cam.info("status %s -> %s%s", old or "starting", new,
                     f" ({cam.sub.error})" if new == "offline" and cam.sub.error else "")
        self._publish(CameraEvent(cam.config.id, cam.config.center, "status", new, old,
                                  detail=cam.sub.error or ""))

    def health(self) -> list[CameraHealth]:
        """Health of every camera (recomputed now, so it is fresh even between ticks). A camera
        reported offline stays offline here until the watchdog reports it back (after its
        steady spell), so pages and alerts agree."""
        now = time.monotonic()
        out = []
        for cam in list(self._cameras.values()):
            m = measure(cam.sub, now)
            st = status(m, self.settings.stall_min_seconds)
            if cam.status == "offline" and not cam.idle:
                st = "offline"
            out.append(camera_health(cam, m, st, self.settings, now))
        return out

    def stall_threshold(self, camera_id: str) -> float:
        stream = self.camera(camera_id).sub
        return stall_threshold(stream.expected_fps(), self.settings.stall_min_seconds)
