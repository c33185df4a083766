"""Stream workers share the cameras through leases in PostgreSQL.

Each ``zongzhi worker`` runs :meth:`Leases.cycle` every few seconds, one transaction that:

1. renews its own row in ``stream_workers`` and the leases it holds (both until now + the
   lease time, by the database's clock, so machines' clocks never disagree);
2. counts the live workers and computes the fair share, ``ceil(cameras / live workers)``
   (``floor`` while another live worker holds less than the floor, so 4 cameras over 3
   workers settle as 2, 1, 1 and never 2, 2, 0);
3. hands back what it holds above the share (the caller stops those cameras, then
   :meth:`Leases.release` frees them), or takes free and expired leases up to the share with
   ``SELECT … FOR UPDATE SKIP LOCKED`` (two workers never wait on, or take, the same row).

A lease taken from a worker that stopped renewing (killed, hung, cut off) records the
interruption: the camera goes offline at that worker's last renewal, in the same transaction,
so the duty page shows it; the new owner's hub reports it back online. Every taking raises the
lease's ``epoch``; :func:`holds` checks it inside the transaction of each write a worker makes
about a camera, so a former owner that wakes from a pause cannot write after losing it.

Only PostgreSQL carries workers (:func:`require_postgres`): SQLite has no row locks to share.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from config.errors import ConfigError
from dispatch.alerts import record_camera_status
from dispatch.errors import NotFound
from dispatch.models import Camera, CameraLease, StreamWorker

log = logging.getLogger("dispatch.workers")
#: Rows of workers gone this long are deleted (their story is in the camera status intervals).
FORGET_AFTER = timedelta(hours=1)
_NOW = sa.func.now()


def require_postgres(database_url: str, hint: str = "") -> None:
    """Fail clearly, naming the setting, unless the database is PostgreSQL."""
    if not database_url.startswith("postgresql"):
        raise ConfigError(
            None, "stream workers need PostgreSQL (they share the cameras through its row "
            f"locks), not {database_url.split(':', 1)[0]}: set database_url = "
            f"\"postgresql+psycopg://…\"{hint}",
            field="database_url",
        )


@dataclass(frozen=True)
class Taken:
    """A lease just taken: its epoch, and when its previous owner was last alive if that
    owner died holding it (None: the camera was free)."""

    camera_id: str
    epoch: int
    interrupted_at: datetime | None = None


@dataclass
class Cycle:
    """What one renewal found. ``kept``: camera → epoch still held; ``lost``: held no more
    (stop them now); ``excess``: held above the fair share (stop, then release);
    ``taken``: newly held (start them)."""

    kept: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    excess: list[str] = field(default_factory=list)
    taken: list[Taken] = field(default_factory=list)
    live_workers: int = 1
    share: int = 0


class Leases:
    """One worker's side of the lease table."""

    def __init__(
        self, session_factory: sessionmaker[Session], worker_id: str, host: str, url: str,
        lease_seconds: float, important: Iterable[str] = (),
    ) -> None:
        self._factory = session_factory
        self.worker_id, self.host, self.url = worker_id, host, url
        self.ttl = timedelta(seconds=lease_seconds)
        self.important = frozenset(important)

    def announce(self) -> None:
        """Count as a live worker holding nothing, before the first :meth:`cycle`: workers
        started together then split the cameras from their first takings, instead of the
        first one to cycle taking all of them (300 recorded cameras on one of two workers
        kept it too busy to give them back)."""
        with self._factory.begin() as session:
            self._register(session, 0)

    def cycle(self, cameras: Collection[str], held: Mapping[str, int]) -> Cycle:
        """Renew, count the live workers, and take or give back cameras (see the module)."""
        with self._factory.begin() as session:
            out = Cycle()
            self._register(session, len(held))
            self._seed(session, cameras)
            out.kept, out.lost = self._renew(session, held)
            out.live_workers = session.scalar(
                sa.select(sa.func.count()).select_from(StreamWorker)
                .where(StreamWorker.expires_at > _NOW)
            ) or 1
            out.share = math.ceil(len(cameras) / out.live_workers)
            keep = out.share
            fewest = session.scalar(
                sa.select(sa.func.min(StreamWorker.cameras))
                .where(StreamWorker.expires_at > _NOW, StreamWorker.id != self.worker_id)
            )
            if fewest is not None and fewest < len(cameras) // out.live_workers:
                keep = len(cameras) // out.live_workers  # make room for a worker below the floor
            if len(out.kept) > keep:
                out.excess = sorted(out.kept)[keep:]
            elif len(out.kept) < out.share:
                out.taken = self._take(session, cameras, out.share - len(out.kept))
            held_now = len(out.kept) - len(out.excess) + len(out.taken)
            session.execute(sa.update(StreamWorker).where(StreamWorker.id == self.worker_id)
                            .values(cameras=held_now))
            return out

    def _register(self, session: Session, cameras: int) -> None:
        stmt = insert(StreamWorker).values(
            id=self.worker_id, host=self.host, url=self.url, started_at=_NOW, renewed_at=_NOW,
            expires_at=_NOW + self.ttl, cameras=cameras,
        )
        session.execute(stmt.on_conflict_do_update(
            index_elements=[StreamWorker.id],
            set_={"url": self.url, "renewed_at": _NOW, "expires_at": _NOW + self.ttl},
        ))
        session.execute(sa.delete(StreamWorker).where(StreamWorker.expires_at < _NOW - FORGET_AFTER))

    def _seed(self, session: Session, cameras: Collection[str]) -> None:
        """A free lease row for every camera that has none yet."""
        if cameras:
            rows = [{"camera_id": c, "epoch": 0, "expires_at": _NOW} for c in cameras]
            session.execute(insert(CameraLease).values(rows).on_conflict_do_nothing())

    def _renew(self, session: Session, held: Mapping[str, int]) -> tuple[dict[str, int], list[str]]:
        mine = CameraLease.worker_id == self.worker_id
        # Rows in this worker's name it does not know it holds (a restart under the same id).
        session.execute(sa.update(CameraLease).where(mine, CameraLease.camera_id.not_in(list(held)))
                        .values(worker_id=None, url=None, expires_at=_NOW))
        if not held:
            return {}, []
        renewed = {key: value for key, value in session.execute(
            sa.update(CameraLease).where(mine, CameraLease.camera_id.in_(list(held)))
            .values(renewed_at=_NOW, expires_at=_NOW + self.ttl)
            .returning(CameraLease.camera_id, CameraLease.epoch)
        ).all()}
        kept = {cam: epoch for cam, epoch in held.items() if renewed.get(cam) == epoch}
        return kept, [cam for cam in held if cam not in kept]

    def _take(self, session: Session, cameras: Collection[str], wanted: int) -> list[Taken]:
        free = sa.or_(CameraLease.worker_id.is_(None), CameraLease.expires_at < _NOW)
        rows = session.execute(
            sa.select(CameraLease.camera_id, CameraLease.worker_id, CameraLease.renewed_at)
            .where(CameraLease.camera_id.in_(list(cameras)), free)
            .order_by(CameraLease.expires_at, CameraLease.camera_id)
            .limit(wanted)
            .with_for_update(skip_locked=True)
        ).all()
        taken = []
        for camera_id, previous, last_alive in rows:
            epoch = session.scalar(
                sa.update(CameraLease).where(CameraLease.camera_id == camera_id)
                .values(worker_id=self.worker_id, url=self.url, epoch=CameraLease.epoch + 1,
                        acquired_at=_NOW, renewed_at=_NOW, expires_at=_NOW + self.ttl)
                .returning(CameraLease.epoch)
            )
            died = last_alive if previous is not None and previous != self.worker_id else None
            if died is not None:
                self._interrupted(session, camera_id, previous, died)
            taken.append(Taken(camera_id, int(epoch or 0), died))
        return taken

    def _interrupted(self, session: Session, camera_id: str, previous: str, at: datetime) -> None:
        log.warning("camera %s taken over from worker %s (last renewed %s)", camera_id, previous,
                    at.isoformat())
        # Never before the last change recorded (the dead worker may have written one
        # between its last renewal and its end): status intervals stay in order.
        changed = session.scalar(sa.select(Camera.status_changed_at).where(Camera.id == camera_id))
        at = max(at, changed) if changed is not None else at
        try:
            with session.begin_nested():
                record_camera_status(session, camera_id, "offline", at=at,
                                     important=camera_id in self.important)
        except NotFound:
            log.info("camera %s is not in the registry: its interruption is not recorded", camera_id)

    def release(self, camera_ids: Collection[str]) -> None:
        """Free leases this worker holds (after it stopped those cameras)."""
        if not camera_ids:
            return
        with self._factory.begin() as session:
            session.execute(
                sa.update(CameraLease)
                .where(CameraLease.worker_id == self.worker_id,
                       CameraLease.camera_id.in_(list(camera_ids)))
                .values(worker_id=None, url=None, expires_at=_NOW)
            )

    def leave(self) -> None:
        """A worker stopping in good order frees every lease and its row at once, so the
        others take its cameras at their next renewal and record no interruption."""
        with self._factory.begin() as session:
            session.execute(sa.update(CameraLease).where(CameraLease.worker_id == self.worker_id)
                            .values(worker_id=None, url=None, expires_at=_NOW))
            session.execute(sa.delete(StreamWorker).where(StreamWorker.id == self.worker_id))


def holds(session: Session, camera_id: str, worker_id: str, epoch: int) -> bool:
    """Whether ``worker_id`` still holds the camera at ``epoch``; the row stays share-locked
    until the caller's transaction ends, so nobody takes the camera before its write commits."""
    row = session.execute(
        sa.select(CameraLease.camera_id)
        .where(CameraLease.camera_id == camera_id, CameraLease.worker_id == worker_id,
               CameraLease.epoch == epoch)
        .with_for_update(read=True)
    ).first()
    return row is not None


def owner_url(session: Session, camera_id: str) -> str | None:
    """The base URL of the worker holding the camera now (None: nobody does)."""
    return session.scalar(
        sa.select(CameraLease.url)
        .where(CameraLease.camera_id == camera_id, CameraLease.worker_id.is_not(None),
               CameraLease.expires_at > _NOW)
    )


@dataclass(frozen=True)
class WorkerRow:
    id: str
    host: str
    url: str
    cameras: int
    alive: bool
    renewed_at: datetime


def list_workers(session: Session) -> list[WorkerRow]:
    """Every worker the table remembers, alive ones first."""
    alive = (StreamWorker.expires_at > _NOW).label("alive")
    rows = session.execute(
        sa.select(StreamWorker.id, StreamWorker.host, StreamWorker.url, StreamWorker.cameras,
                  alive, StreamWorker.renewed_at)
        .order_by(alive.desc(), StreamWorker.id)
    ).all()
    return [WorkerRow(*row) for row in rows]
