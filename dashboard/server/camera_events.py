"""Camera events from the stream hub become duty alerts in the dispatch database.

The hub calls back on its own threads and asks callbacks to be short, so :meth:`submit` only
queues the event; one worker thread writes them in order, each in its own transaction. A
camera unknown to the registry (a phone publishing by WHIP) is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading

from sqlalchemy.orm import Session, sessionmaker

from dispatch.alerts import raise_camera_alert, record_camera_status
from dispatch.errors import NotFound
from dispatch.types import CameraStatus
from streams.types import CameraEvent

log = logging.getLogger("dashboard.server.camera_events")
_STOP = object()


class CameraEventSink:
    def __init__(self, session_factory: sessionmaker[Session], capacity: int = 10_000) -> None:
        self._factory = session_factory
        self._queue: queue.Queue[object] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self.handled = 0

    def submit(self, event: CameraEvent) -> None:
        """Called on hub threads: queue and return at once (drop when flooded, with a log)."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            log.error("camera event queue full; dropped %s %s", event.camera_id, event.kind)

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="camera-events", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join, 10)
        self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            assert isinstance(item, CameraEvent)
            try:
                self.handle(item)
            except NotFound:
                log.info("event for camera %s not in the registry; skipped", item.camera_id)
            except Exception:
                log.exception("could not record camera event for %s", item.camera_id)
            self.handled += 1

    def handle(self, event: CameraEvent) -> None:
        with self._factory.begin() as session:
            if event.kind == "status":
                record_camera_status(session, event.camera_id, event.status, at=event.at)
            else:
                raise_camera_alert(
                    session, event.camera_id, CameraStatus.TAMPERED, detail=event.detail,
                    at=event.at,
                )
