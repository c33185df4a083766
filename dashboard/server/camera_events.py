"""Camera events from the stream hub become duty alerts in the dispatch database.

The hub calls back on its own threads and asks callbacks to be short, so :meth:`submit` only
queues the event; one worker thread writes them in order, each in its own transaction. A
camera unknown to the registry (a phone publishing by WHIP) is logged and skipped. Cameras of
``important`` (the deployment's ``important = true``) raise critical offline alerts. A tamper
alert stays open until the hub reports its condition over (``tamper_end``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from config.cameras import CameraConfig
from dispatch.alerts import clear_camera_tamper, raise_camera_alert, record_camera_status
from dispatch.errors import NotFound
from dispatch.gathering import record_gathering
from dispatch.sla import Sla
from dispatch.types import CameraStatus
from streams.types import CameraEvent

log = logging.getLogger("dashboard.server.camera_events")
_STOP = object()


class CameraEventSink:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        capacity: int = 10_000,
        important: Iterable[str] = (),
        *,
        cameras: Iterable[CameraConfig] = (),
        sla: Sla | None = None,
        data_dir: Path | None = None,
        clip: Callable[[int, str, float], None] | None = None,
    ) -> None:
        self._factory = session_factory
        self.important = frozenset(important)
        # Gathering reports need the zone's threshold (risk) and whether to file a case.
        self.gathering = {c.id: c.gathering for c in cameras if c.gathering is not None}
        self.sla, self.data_dir = sla, data_dir
        self.clip = clip  # (case id, camera id, moment): keep the recording as evidence
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
        if event.kind == "gathering":
            with self.transaction(event) as session:
                filed = self.handle_gathering(session, event)
            if filed is not None and self.clip is not None:  # after the case is committed
                self.clip(filed, event.camera_id, event.at.timestamp())
            return
        with self.transaction(event) as session:
            if event.kind == "status":
                record_camera_status(
                    session, event.camera_id, event.status, at=event.at,
                    important=event.camera_id in self.important,
                )
            elif event.kind == "tamper_end":
                clear_camera_tamper(session, event.camera_id, at=event.at)
            else:
                raise_camera_alert(
                    session, event.camera_id, CameraStatus.TAMPERED, detail=event.detail,
                    at=event.at, important=event.camera_id in self.important,
                )

    def transaction(self, event: CameraEvent) -> AbstractContextManager[Session]:
        """The transaction ``event`` is recorded in (a stream worker's first checks its lease)."""
        return self._factory.begin()

    def handle_gathering(self, session: Session, event: CameraEvent) -> int | None:
        """Record the gathering; the id of the case it filed, if one was filed now."""
        zone, _, count = event.detail.rpartition(":")
        cfg = self.gathering.get(event.camera_id)
        threshold = next((z.min_people for z in cfg.zones if z.name == zone), 2) if cfg else 2
        made = record_gathering(
            session, event.camera_id, zone, int(count), min_people=threshold, at=event.at,
            snapshot=event.snapshot_jpeg, data_dir=self.data_dir, sla=self.sla,
            file_case=cfg.file_case if cfg else False,
        )
        return made.case.id if made.case is not None and made.filed else None
