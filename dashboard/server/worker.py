"""``zongzhi worker``: a stream worker holding its share of the cameras.

A worker runs the stream hub for the cameras it holds a lease on (:mod:`dispatch.workers`),
writes their health and tamper alerts into the shared database (so the duty page and alerts
work as with one process), and serves their tiles, snapshots, health and metrics over HTTP
(the routes of :mod:`streams.routes`) for the app to fetch. Several workers, on one machine
or several, share the deployment's cameras; one that dies loses them to the others within
the lease time, and a new one gets its fair share.

With the deployment's ``[recording]`` policy a worker also records the cameras it holds
(:class:`~dashboard.recordings.service.RecordingService` in its ``worker`` role) into the
storage folders every process of the deployment shares, and into the same index. A camera
taken over has its previous owner's unfinished segment repaired first; a camera given up has
its segment closed and indexed before its lease is freed.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, AsyncExitStack, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config.cameras import CameraConfig
from config.errors import ConfigError
from config.recording import RecordingPolicy
from config.settings import Settings, load_settings
from dashboard.server.camera_events import CameraEventSink
from dispatch.workers import Cycle, Leases, holds, require_postgres
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from streams.types import CameraEvent

if TYPE_CHECKING:
    from dashboard.recordings.service import RecordingService
    from dashboard.server.replicas import JobLeases

log = logging.getLogger("dashboard.server.worker")


class LeaseLost(Exception):
    """The worker no longer holds the camera an event is about: the event is not written."""


class FencedSink(CameraEventSink):
    """Camera events written only while the worker still holds the camera at its epoch."""

    def __init__(self, worker: StreamWorker, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker = worker
        self.fenced = 0

    @contextmanager
    def _fenced(self, event: CameraEvent) -> Any:
        epoch = self.worker.epoch(event.camera_id)
        with self._factory.begin() as session:
            if epoch is None or not holds(session, event.camera_id, self.worker.id, epoch):
                raise LeaseLost(event.camera_id)
            yield session

    def transaction(self, event: CameraEvent) -> AbstractContextManager[Session]:
        return self._fenced(event)

    def handle(self, event: CameraEvent) -> None:
        try:
            super().handle(event)
        except LeaseLost:
            self.fenced += 1
            log.info("camera %s is held by another worker now: its %s event is dropped",
                     event.camera_id, event.kind)


class StreamWorker:
    """The hub of the cameras this worker holds, kept in step with its leases."""

    def __init__(
        self, settings: Settings, cameras: list[CameraConfig],
        session_factory: sessionmaker[Session], worker_id: str, url: str,
        recording: RecordingPolicy | None = None,
    ) -> None:
        self.id, self.url = worker_id, url
        self.settings = settings
        self.configs = {c.id: c for c in cameras if c.enabled}
        self.hub = StreamHub([], settings.streams)
        self.hub.timezone = ZoneInfo(settings.timezone)
        important = [c.id for c in cameras if c.important]
        self.leases = Leases(session_factory, worker_id, socket.gethostname(), url,
                             settings.streams.workers.lease_seconds, important)
        self.sink = FencedSink(self, session_factory, important=important, cameras=cameras,
                               data_dir=settings.data_dir)
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renewed = time.monotonic()
        self.last: Cycle | None = None
        self.jobs: JobLeases | None = None
        self.recording: RecordingService | None = None
        if recording is not None and recording.storage:
            from dashboard.recordings.service import RecordingService
            from dashboard.server.replicas import JobLeases

            self.jobs = JobLeases(settings.resolved_database_url)
            self.recording = RecordingService(self.hub, recording, session_factory,
                                              settings.data_dir, settings.timezone,
                                              role="worker", gate=self.jobs.holds)

    def epoch(self, camera_id: str) -> int | None:
        with self._lock:
            return self._held.get(camera_id)

    def held(self) -> dict[str, int]:
        with self._lock:
            return dict(self._held)

    def step(self) -> Cycle:
        """One renewal: stop what was lost or is above the share, start what was taken."""
        cycle = self.leases.cycle(list(self.configs), self.held())
        self._renewed = time.monotonic()
        for camera_id in [*cycle.lost, *cycle.excess]:
            self._drop(camera_id)
        if cycle.excess:
            self.leases.release(cycle.excess)
        for taken in cycle.taken:
            with self._lock:
                self._held[taken.camera_id] = taken.epoch
            if self.recording is not None:  # the previous owner's unfinished segment
                try:
                    self.recording.recorder.recover_camera(taken.camera_id)
                except Exception:
                    log.exception("repairing the leftovers of %s failed", taken.camera_id)
            self.hub.add_camera(self.configs[taken.camera_id])
        if cycle.lost or cycle.excess or cycle.taken:
            log.info("worker %s holds %d cameras (share %d of %d live workers; +%d -%d)", self.id,
                     len(self.held()), cycle.share, cycle.live_workers, len(cycle.taken),
                     len(cycle.lost) + len(cycle.excess))
        self.last = cycle
        return cycle

    def _drop(self, camera_id: str) -> None:
        with self._lock:
            self._held.pop(camera_id, None)
        self.hub.remove_camera(camera_id)
        if self.recording is not None:  # closed (and indexed) before the lease is freed
            self.recording.recorder.detach(camera_id)

    def _loop(self) -> None:
        renew = self.settings.streams.workers.renew_seconds
        try:  # live, holding nothing, for one renewal: workers starting together see each other
            self.leases.announce()
            if self._stop.wait(renew):
                return
        except Exception:
            log.exception("worker %s could not announce itself", self.id)
        while True:
            try:
                self.step()
            except Exception:
                log.exception("worker %s could not renew its leases", self.id)
                if time.monotonic() - self._renewed > self.settings.streams.workers.lease_seconds:
                    for camera_id in self.held():  # the others may hold them now
                        self._drop(camera_id)
            if self._stop.wait(renew):
                return

    async def start(self) -> None:
        await self.sink.start()
        self.hub.subscribe(self.sink.submit)
        await self.hub.start()
        if self.recording is not None:
            await self.recording.start()
        self._thread = threading.Thread(target=self._loop, name=f"worker-leases:{self.id}",
                                        daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Stop renewing, free every lease at once (the others take over at their next
        renewal), then stop the hub and the event writer."""
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 15)
        if self.recording is not None:  # every open segment closed and indexed first
            await self.recording.stop()
        if self.jobs is not None:
            self.jobs.close()
        try:
            await asyncio.to_thread(self.leases.leave)
        except Exception:
            log.exception("worker %s could not free its leases; they expire", self.id)
        with self._lock:
            self._held.clear()
        self.hub.close_viewers()
        await self.hub.stop()
        await self.sink.stop()


def _authorize(token: str | None) -> Any:
    async def authorize(request: Request, camera_id: str | None) -> Response | None:
        if token is None:
            return None
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return None
        return JSONResponse({"error": "需要工作进程令牌 / worker token required"}, status_code=401)

    return authorize


def build_worker_app(worker: StreamWorker) -> Starlette:
    """The worker's HTTP side: the hub's routes and ``GET /worker`` (what it holds)."""
    settings = worker.settings.streams

    async def status(request: Request) -> Response:
        denied = await _authorize(settings.workers.token)(request, None)
        if denied is not None:
            return denied
        return JSONResponse({"id": worker.id, "url": worker.url, "cameras": sorted(worker.held())})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await worker.start()
            stack.push_async_callback(worker.stop)
            yield

    routes = [Route("/worker", status, methods=["GET"]),
              *build_stream_routes(worker.hub, settings, _authorize(settings.workers.token))]
    return Starlette(routes=routes, lifespan=lifespan)


def run_worker(args: argparse.Namespace) -> int:
    import uvicorn

    from config.deployment import load_deployment
    from dashboard.server.logs import configure_logging
    from dispatch.db import make_engine, make_session_factory
    from dispatch.events import bind_bus, make_bus
    from dispatch.localtime import set_timezone
    from dispatch.migrate import current, head
    from dispatch.rollup import install_rollups

    configure_logging()
    config_file = getattr(args, "config", None)
    settings = load_settings(config_file)
    set_timezone(settings.timezone)
    url = settings.resolved_database_url
    try:
        require_postgres(url)
    except ConfigError as exc:
        raise ConfigError(config_file, exc.reason, field="database_url") from None
    if settings.deployment_file is None:
        raise ConfigError(config_file, "a worker needs the deployment's cameras",
                          field="deployment_file")
    deployment = load_deployment(settings.deployment_file)
    cameras = list(deployment.cameras)
    engine = make_engine(url)
    if current(engine) != head():
        raise ConfigError(config_file, "the database schema is not up to date: run "
                          "`zongzhi db upgrade` first", field="database_url")
    factory = install_rollups(make_session_factory(engine))
    bus = make_bus(url)  # alerts written here wake the app's pages
    bind_bus(factory, bus)
    host = args.host or "127.0.0.1"
    advertise = args.advertise or f"http://{host}:{args.port}"
    worker_id = args.id or f"{socket.gethostname()}-{os.getpid()}"
    worker = StreamWorker(settings, cameras, factory, worker_id, advertise,
                          recording=deployment.recording)
    print(f"stream worker {worker_id}: {len(worker.configs)} cameras shared, serving {advertise}",
          flush=True)
    try:
        uvicorn.run(build_worker_app(worker), host=host, port=args.port, log_level="warning",
                    timeout_graceful_shutdown=3)
    finally:
        bus.close()
        engine.dispose()
    return 0


def register(sub: Any) -> None:
    worker = sub.add_parser("worker", help="视频工作进程 · hold a share of the cameras (PostgreSQL)")
    worker.add_argument("--config", default=argparse.SUPPRESS, help="settings file (TOML)")
    worker.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    worker.add_argument("--port", type=int, default=8601, help="port of its picture routes")
    worker.add_argument("--advertise", default=None,
                        help="base URL the app reaches this worker at (default http://HOST:PORT)")
    worker.add_argument("--id", default=None, help="worker id (default: host name and process id)")
    worker.set_defaults(func=run_worker)
