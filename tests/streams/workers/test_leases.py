"""The lease table on PostgreSQL: fair shares, rebalancing when a worker joins, takeover of an
expired owner's cameras with the interruption recorded, the epoch fencing a former owner's
writes, and the clear refusal of SQLite."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.errors import ConfigError
from config.settings import load_settings
from dashboard.server.services import make_services
from dashboard.server.worker import FencedSink, StreamWorker, build_worker_app
from dispatch.db import make_engine, make_session_factory
from dispatch.models import Alert, Camera, CameraLease
from dispatch.models import StreamWorker as WorkerRow
from dispatch.workers import Leases, holds, list_workers, owner_url
from streams.types import CameraEvent
from tests.live import LiveASGI
from tests.streams.workers import cluster

CAMERAS = [f"cam-{i}" for i in range(6)]


@pytest.fixture
def factory(postgres_url: str, tmp_path: Path) -> sessionmaker[Session]:
    cluster.reset(postgres_url)
    cluster.prepare(tmp_path, postgres_url, [f"rtsp://127.0.0.1:9/cam{i}" for i in range(6)])
    engine = make_engine(postgres_url)
    yield make_session_factory(engine)
    engine.dispose()


def _leases(factory: sessionmaker[Session], name: str) -> Leases:
    return Leases(factory, name, "host-a", f"http://10.0.0.1:86{name[-1]}0", lease_seconds=6)


def _age(factory: sessionmaker[Session], worker: str, seconds: float) -> None:
    """Make ``worker`` look as if it stopped renewing ``seconds`` ago (lease 6 s)."""
    ago = sa.func.now() - sa.text(f"interval '{seconds} seconds'")
    expired = sa.func.now() - sa.text(f"interval '{seconds - 6} seconds'")
    with factory.begin() as session:
        session.execute(sa.update(WorkerRow).where(WorkerRow.id == worker)
                        .values(renewed_at=ago, expires_at=expired))
        session.execute(sa.update(CameraLease).where(CameraLease.worker_id == worker)
                        .values(renewed_at=ago, expires_at=expired))


def test_shares_follow_the_live_workers(factory: sessionmaker[Session]) -> None:
    w1, w2, w3 = (_leases(factory, n) for n in ("w1", "w2", "w3"))
    first = w1.cycle(CAMERAS, {})
    assert sorted(t.camera_id for t in first.taken) == CAMERAS and first.share == 6
    held1 = {t.camera_id: t.epoch for t in first.taken}
    assert all(t.interrupted_at is None for t in first.taken)  # free cameras: no interruption
    joined = w2.cycle(CAMERAS, {})
    assert joined.live_workers == 2 and joined.share == 3 and joined.taken == []
    # The owner gives back what is above its share; the newcomer takes it.
    again = w1.cycle(CAMERAS, held1)
    assert len(again.excess) == 3 and set(again.excess) <= set(held1)
    w1.release(again.excess)
    took = w2.cycle(CAMERAS, {})
    assert sorted(t.camera_id for t in took.taken) == sorted(again.excess)
    assert all(t.interrupted_at is None for t in took.taken)
    with factory() as session:
        assert owner_url(session, again.excess[0]) == "http://10.0.0.1:8620"
        assert {w.id: w.cameras for w in list_workers(session)} == {"w1": 3, "w2": 3}
    # A third worker: shares of two, reached the same way.
    held1 = {c: e for c, e in held1.items() if c not in again.excess}
    held2 = {t.camera_id: t.epoch for t in took.taken}
    assert w3.cycle(CAMERAS, {}).share == 2
    for leases, held in ((w1, held1), (w2, held2)):
        cycle = leases.cycle(CAMERAS, held)
        assert len(cycle.excess) == 1
        leases.release(cycle.excess)
    assert len(w3.cycle(CAMERAS, {}).taken) == 2
    # Leaving in good order frees everything at once, without an interruption.
    w3.leave()
    with factory() as session:
        assert {w.id for w in list_workers(session)} == {"w1", "w2"}
        assert session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 0


@dataclass
class _Holder:
    """What the fenced sink asks of its worker: its id and the epoch it believes it holds."""

    id: str
    epochs: dict[str, int]

    def epoch(self, camera_id: str) -> int | None:
        return self.epochs.get(camera_id)


def test_takeover_records_the_interruption_and_fences_the_former_owner(
    factory: sessionmaker[Session],
) -> None:
    w1, w2 = _leases(factory, "w1"), _leases(factory, "w2")
    held1 = {t.camera_id: t.epoch for t in w1.cycle(CAMERAS, {}).taken}
    with factory.begin() as session:  # the cameras were online under w1
        session.execute(sa.update(Camera).values(status="online"))
    _age(factory, "w1", 8)  # w1 hangs: its last renewal 8 s ago, its leases expired 2 s ago
    with factory() as session:
        last_alive = session.scalar(sa.select(WorkerRow.renewed_at)
                                    .where(WorkerRow.id == "w1"))
    cycle = w2.cycle(CAMERAS, {})
    assert cycle.live_workers == 1 and len(cycle.taken) == 6
    assert all(t.interrupted_at == last_alive for t in cycle.taken)
    held2 = {t.camera_id: t.epoch for t in cycle.taken}
    assert all(held2[c] == held1[c] + 1 for c in CAMERAS)
    with factory() as session:
        cams = session.execute(sa.select(Camera.id, Camera.status, Camera.status_changed_at)).all()
        assert {c.status for c in cams} == {"offline"}
        assert {c.status_changed_at for c in cams} == {last_alive}
        alerts = session.scalars(sa.select(Alert).where(Alert.kind == "camera_offline")).all()
        assert sorted(a.camera_id for a in alerts) == CAMERAS
        assert all(a.raised_at == last_alive for a in alerts)
        assert not holds(session, "cam-0", "w1", held1["cam-0"])
        assert holds(session, "cam-0", "w2", held2["cam-0"])
    # w1 wakes: it learns it lost everything, and its late events are not written.
    woke = w1.cycle(CAMERAS, held1)
    assert sorted(woke.lost) == CAMERAS and woke.kept == {} and woke.taken == []
    stale = FencedSink(_Holder("w1", held1), factory)
    stale.handle(CameraEvent("cam-0", cluster.CENTER, "status", "online", "offline"))
    current = FencedSink(_Holder("w2", held2), factory)
    current.handle(CameraEvent("cam-1", cluster.CENTER, "status", "online", None))
    assert (stale.fenced, current.fenced) == (1, 0)
    with factory() as session:
        status = dict(session.execute(sa.select(Camera.id, Camera.status)).all())
    assert status["cam-0"] == "offline" and status["cam-1"] == "online"


def test_workers_refuse_sqlite_naming_the_setting(tmp_path: Path) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(f'database_url = "sqlite:///{tmp_path}/z.db"\n'
                        '[streams]\ningest = "workers"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.server.cli", "worker", "--config", str(settings)],
        capture_output=True, text=True, timeout=240, cwd=cluster.ROOT,
    )
    assert done.returncode == 2
    assert "field 'database_url'" in done.stderr and "PostgreSQL" in done.stderr
    assert str(settings) in done.stderr
    with pytest.raises(ConfigError) as caught:
        make_services(load_settings(settings), [])
    assert caught.value.field == "database_url" and 'ingest = "local"' in caught.value.reason


def test_worker_routes_answer_only_with_the_token(factory: sessionmaker[Session],
                                                  postgres_url: str) -> None:
    token = "k" * 24
    settings = load_settings(None, database_url=postgres_url,
                             streams={"workers": {"token": token}})
    worker = StreamWorker(settings, [], factory, "w9", "http://127.0.0.1:9")
    with LiveASGI(build_worker_app(worker)) as live:
        for path in ("/worker", "/streams/health", "/streams/cam-0.jpg"):
            refused = httpx.get(f"{live.base}{path}", timeout=10)
            assert refused.status_code == 401, path
            wrong = httpx.get(f"{live.base}{path}", timeout=10,
                              headers={"Authorization": "Bearer " + "x" * 24})
            assert wrong.status_code == 401, path
        answer = httpx.get(f"{live.base}/worker", headers={"Authorization": f"Bearer {token}"},
                           timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"id": "w9", "url": "http://127.0.0.1:9", "cameras": []}


def test_workers_that_announced_share_from_the_first_taking(factory: sessionmaker[Session]) -> None:
    w1, w2 = _leases(factory, "w1"), _leases(factory, "w2")
    w1.announce()
    w2.announce()
    first = w1.cycle(CAMERAS, {})
    assert first.live_workers == 2 and len(first.taken) == 3, "half, not all six"
    second = w2.cycle(CAMERAS, {})
    assert len(second.taken) == 3 and second.excess == []
    assert {t.camera_id for t in first.taken}.isdisjoint(t.camera_id for t in second.taken)

