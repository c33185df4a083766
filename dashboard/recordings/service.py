"""The recording service of one process: the hub's recorder, the index in the database,
retention, the cameras of open cases, and clips kept as evidence.

Started in the lifespan after the hub and stopped before it. The recorder reports finished
segments on reader threads; they are queued and written to the index by one thread. At start
the index is reconciled with the disk (files a previous run finished but never indexed are
added, rows whose files are gone are dropped), after the recorder repaired leftovers.

Roles (``role``): ``local`` is the one process pulling every camera. With stream workers
(docs/workers.md) each ``worker`` records the cameras it holds into the shared storage folders
and the same index, repairing a camera's leftovers only when it takes the camera over (never
at start-up: another live worker may be writing its own segments there); the app is the
``index`` role: no recorder, it serves the index, the shared files and the segments being
written (their ``.part`` files). Retention, and the start-up reconciliation of the shared
folders, run in one process of the deployment: the one whose ``gate(RETENTION_JOB)`` (the
job leases of :mod:`dashboard.server.replicas`) answers true.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.recording import RecordingPolicy
from dispatch import recordings as index
from dispatch.errors import InvalidInput
from dispatch.models import Camera, Case, RecordingClip, RecordingSegment
from dispatch.principal import Principal
from dispatch.types import OPEN_STATES
from streams.hub import StreamHub
from streams.record.clip import Clip, NoRecording, cut, export_burned
from streams.record.recorder import Recorder
from streams.record.retention import Stored, to_delete
from streams.record.segment import PART, SegmentInfo, probe, start_of

log = logging.getLogger("dashboard.recordings")
_STOP = object()
#: Seconds between retention passes and refreshes of the open cases' cameras.
HOUSEKEEPING_SECONDS = 30.0
MAX_CLIP_SECONDS = 600.0
#: The timed job (one process of a deployment) that deletes by retention and quota.
RETENTION_JOB = "recording-retention"
ROLES = ("local", "worker", "index")


class RecordingService:
    def __init__(self, hub: StreamHub, policy: RecordingPolicy,
                 session_factory: sessionmaker[Session], data_dir: Path, timezone: str, *,
                 role: str = "local", gate: Callable[[str], bool] | None = None) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        self.role, self._gate = role, gate
        self.hub, self.policy, self._factory = hub, policy, session_factory
        self.data_dir, self.tz = data_dir, ZoneInfo(timezone)
        self.recorder = Recorder(hub, policy, self._submit)
        self._queue: queue.Queue[object] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._case_holds: set[tuple[str, str]] = set()
        self.indexed = 0
        self.deleted = 0

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self._factory

    # lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.to_thread(self.start_sync)

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_sync)

    def start_sync(self) -> None:
        self._stop.clear()
        writer = threading.Thread(target=self._write_index, name="recordings:index", daemon=True)
        writer.start()
        self._threads = [writer]
        if self.role == "local":
            self.recorder.recover()
        if self.role == "local" or self._runs(RETENTION_JOB):
            try:
                self.reconcile()
            except Exception:  # shared folders: another process may index the same file
                log.exception("reconciling the recordings index with the disk failed")
        if self.role != "index":
            self.recorder.start(recover=False)
        keeper = threading.Thread(target=self._housekeeping, name="recordings:housekeeping", daemon=True)
        keeper.start()
        self._threads.append(keeper)

    def _runs(self, job: str) -> bool:
        return self._gate is None or self._gate(job)

    def stop_sync(self) -> None:
        self._stop.set()
        if self.role != "index":
            self.recorder.stop()  # closes open segments: their callbacks queue them
        self._queue.put(_STOP)
        for thread in self._threads:
            thread.join(10)
        self._threads = []

    # the index -----------------------------------------------------------------------
    def _record(self, info: SegmentInfo) -> index.SegmentRecord:
        storage = self.policy.storage_of(info.camera_id)
        root = storage.path if storage is not None else info.path.parents[2]
        for entry in self.policy.storage:  # the folder actually holding the file
            if info.path.is_relative_to(entry.path):
                root = entry.path
        return index.SegmentRecord(info.camera_id, str(root), info.path.relative_to(root).as_posix(),
                                   info.start, info.end, info.size, info.codec, info.transcoded)

    def _submit(self, info: SegmentInfo) -> None:
        self._queue.put(info)

    def _write_index(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            assert isinstance(item, SegmentInfo)
            try:
                with self._factory.begin() as session:
                    index.index_segment(session, self._record(item))
                self.indexed += 1
            except Exception:
                log.exception("could not index %s", item.path.name)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every segment reported so far is in the index."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def reconcile(self) -> None:
        for entry in self.policy.storage:
            root = entry.path
            with self._factory.begin() as session:
                known = index.known_paths(session, str(root))
                on_disk = {p.relative_to(root).as_posix(): p for p in root.glob("*/*/*.mp4")}
                gone = [r.id for r in index.stored(session, str(root)) if r.path not in on_disk]
                index.forget(session, gone)
                for rel, path in sorted(on_disk.items()):
                    if rel in known:
                        continue
                    info = probe(path, path.parent.parent.name)
                    if info is not None:
                        index.index_segment(session, self._record(info))
            if gone:
                log.info("%s: %d indexed segments no longer on disk", root, len(gone))

    def stats(self) -> dict[str, float]:
        """Figures for metrics: bytes indexed per storage folder (``disk:<path>``), segments
        waiting to be indexed (``behind``), cameras recording now (``recording``)."""
        out: dict[str, float] = {"behind": float(self._queue.qsize()), "indexed": float(self.indexed),
                                 "deleted": float(self.deleted)}
        with self._factory() as session:
            for entry in self.policy.storage:
                used = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RecordingSegment.size), 0))
                                      .where(RecordingSegment.storage == str(entry.path)))
                out[f"disk:{entry.path}"] = float(used or 0)
        out["recording"] = float(sum(
            1 for cid in self.hub.camera_ids()
            if (rec := self.recorder.camera(cid)) is not None and rec.recording))
        return out

    # housekeeping --------------------------------------------------------------------
    def _housekeeping(self) -> None:
        while not self._stop.wait(HOUSEKEEPING_SECONDS):
            try:
                if self._runs(RETENTION_JOB):
                    self.apply_retention()
                if self.role != "index":
                    self.refresh_case_holds()
            except Exception:
                log.exception("recording housekeeping failed")

    def apply_retention(self, now: float | None = None) -> list[str]:
        """Delete what the retention rule picks in every storage folder; returns their paths."""
        now = time.time() if now is None else now
        deleted: list[str] = []
        for entry in self.policy.storage:
            with self._factory.begin() as session:
                rows = index.stored(session, str(entry.path))
                items = [Stored(r, r.start_at.timestamp(), r.size, r.case_id is not None) for r in rows]
                victims = to_delete(items, now=now, retention_days=self.policy.retention_days,
                                    quota_bytes=entry.quota_bytes)
                for victim in victims:
                    row: RecordingSegment = victim.key  # type: ignore[assignment]
                    (entry.path / row.path).unlink(missing_ok=True)
                    deleted.append(row.path)
                index.forget(session, [v.key.id for v in victims])  # type: ignore[attr-defined]
        self.deleted += len(deleted)
        return deleted

    def refresh_case_holds(self) -> None:
        """Cameras of open cases record (events mode) while their case is open."""
        if "cases" not in self.policy.triggers:
            return
        with self._factory() as session:
            rows = session.execute(
                sa.select(Case.id, Case.camera_id)
                .where(Case.camera_id.is_not(None), Case.state.in_([s.value for s in OPEN_STATES]))
            ).all()
        wanted = {(str(cam), f"case:{cid}") for cid, cam in rows}
        # Every round, not only new ones: a stream worker taking a camera over holds it too.
        for cam, key in wanted:
            self.recorder.hold(cam, key)
        for cam, key in self._case_holds - wanted:
            self.recorder.release(cam, key)
        self._case_holds = wanted

    # clips ---------------------------------------------------------------------------
    def segments(self, camera_id: str, start: float, end: float) -> list[SegmentInfo]:
        """Indexed segments and the one being written, overlapping ``[start, end]``."""
        with self._factory() as session:
            rows = index.segments_between(session, camera_id, datetime.fromtimestamp(start, UTC),
                                          datetime.fromtimestamp(end, UTC))
        out = [SegmentInfo(camera_id, Path(r.storage) / r.path, r.start_at.timestamp(),
                           r.end_at.timestamp(), r.size, r.codec) for r in rows]
        rec = self.recorder.camera(camera_id)
        current = rec.open_segment() if rec is not None else None
        if current is not None and current.start < end:
            out.append(current)
        if self.role == "index":  # segments a stream worker is writing now
            out += self._parts(camera_id, start, end)
        return out

    def _parts(self, camera_id: str, start: float, end: float) -> list[SegmentInfo]:
        out = []
        for root in {entry.path for entry in self.policy.storage}:
            for part in sorted((root / camera_id).glob(f"*/*.mp4{PART}")):
                begun = start_of(part)
                try:
                    written = part.stat().st_mtime
                except FileNotFoundError:
                    continue  # closed meanwhile: its finished file is in the index
                if begun is not None and begun < end and written > start:
                    out.append(SegmentInfo(camera_id, part, begun, written, 0, ""))
        return out

    def cut(self, camera_id: str, at: float, before: float, after: float) -> Clip:
        """A clip of ``camera_id`` from ``before`` s ahead of ``at`` to ``after`` s past it,
        cut by copy (waits until ``at + after`` has been recorded)."""
        if not (0 <= before <= MAX_CLIP_SECONDS and 0 <= after <= MAX_CLIP_SECONDS):
            raise InvalidInput("before", f"before and after are 0–{MAX_CLIP_SECONDS:.0f} seconds")
        rec = self.recorder.camera(camera_id)
        if rec is not None:
            rec.trigger(at)  # an events-mode camera records the seconds after it
        wait = at + after + 1.0 - time.time()
        if wait > 0:
            time.sleep(min(wait, MAX_CLIP_SECONDS + 1))
        target = Path(tempfile.mkdtemp(prefix="clip-", dir=self.data_dir)) / "clip.mp4"
        return cut(self.segments(camera_id, at - before - 10, at + after), at - before, at + after, target)

    def keep_clip(self, principal: Principal, case_id: int, camera_ids: list[str], at: float,
                  before: float, after: float) -> list[RecordingClip]:
        """Cut a clip per camera and keep each as evidence of the case (see
        :func:`dispatch.recordings.keep_clip`). Raises NoRecording when a camera has none."""
        if not 1 <= len(camera_ids) <= 4:
            raise InvalidInput("cameras", "one to four cameras")
        with self._factory() as session:  # scope first: nothing is cut for a refused camera
            case = session.get(Case, case_id)
            if case is None:
                from dispatch.errors import NotFound
                raise NotFound("case", case_id)
            for camera_id in camera_ids:
                index.camera_in_scope(session, principal, camera_id)
        clips = [(cam, self.cut(cam, at, before, after)) for cam in camera_ids]
        kept = []
        with self._factory.begin() as session:
            case = session.get(Case, case_id)
            assert case is not None
            for cam, clip in clips:
                kept.append(index.keep_clip(session, principal, case, cam, data=clip.path.read_bytes(),
                                            start=clip.start, end=clip.end, data_dir=self.data_dir))
                _remove(clip.path)
            session.expunge_all()
        return kept

    def export(self, clip_id: int, out: Path) -> Clip:
        """A kept clip re-encoded with the local time and the camera's name burned in."""
        with self._factory() as session:
            row = session.get(RecordingClip, clip_id)
            if row is None:
                from dispatch.errors import NotFound
                raise NotFound("clip", clip_id)
            from dispatch.models import Attachment
            attachment = session.get(Attachment, row.attachment_id)
            camera = session.get(Camera, row.camera_id)
            assert attachment is not None
            source = self.data_dir / attachment.stored_path
            name = camera.name if camera is not None else row.camera_id
            clip = Clip(source, row.start_at.timestamp(), row.end_at.timestamp(), row.sha256, attachment.size)
        return export_burned(clip, name, self.tz, out)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass


__all__ = ["NoRecording", "RecordingService"]
