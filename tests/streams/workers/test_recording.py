"""Stream workers record the cameras they hold: two real workers record two real RTSP cameras
continuously into one shared folder and one PostgreSQL index; the holder of a camera is killed
with ``kill -9``; the other takes the camera over, repairs the dead one's half-written segment
and records on. The index then holds both workers' segments of that camera, each decodes end
to end, the gap is no longer than the takeover, and the app serves them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import httpx
import psycopg
import pytest
import sqlalchemy as sa

from dashboard.recordings.service import RETENTION_JOB
from dashboard.server.replicas import lock_key
from dispatch.db import make_engine
from dispatch.models import RecordingSegment
from tests.streams.conftest import RtspServer
from tests.streams.workers import cluster
from tests.streams.workers.cluster import Proc, owners, wait_for

PASSWORD = "rec-pw-5521"
CAMERAS = ["cam-0", "cam-1"]
SEGMENT_SECONDS = 4
#: Past the takeover: the first keyframe (1 s apart here) and the new owner's first packets.
GAP_SLACK = 4.0


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in reversed(started):
        proc.stop()


def _segments(url: str, camera: str) -> list[tuple[int, str, str, float, float, int]]:
    """(id, storage, path, start, end, size) of the camera's indexed segments, by start."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(RecordingSegment.id, RecordingSegment.storage, RecordingSegment.path,
                          RecordingSegment.start_at, RecordingSegment.end_at, RecordingSegment.size)
                .where(RecordingSegment.camera_id == camera).order_by(RecordingSegment.start_at)
            ).all()
    finally:
        engine.dispose()
    return [(i, st, p, s.timestamp(), e.timestamp(), size) for i, st, p, s, e, size in rows]


def _decoded_frames(path: Path) -> int:
    """Every frame of the file decoded (PyAV raises on a broken one)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _open_for(store: Path, camera: str, least: float, most: float) -> bool:
    """Whether the camera's segment being written began ``least``–``most`` seconds ago."""
    now = time.time()
    return any(least <= now - int(part.name.split("_")[-1].split(".")[0]) / 1000 <= most
               for part in store.glob(f"{camera}/*/*.mp4.part"))


def _retention_holders(url: str) -> int:
    """How many database sessions hold the retention job's advisory lock."""
    key = lock_key(RETENTION_JOB)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            (key & 0xFFFFFFFFFFFFFFFF,)).fetchone()
    assert row is not None
    return int(row[0])


def test_workers_record_their_cameras_and_the_taker_records_on_after_kill_9(
    rtsp_server: Callable[..., RtspServer], postgres_url: str, tmp_path: Path,
    procs: list[Proc],
) -> None:
    cluster.reset(postgres_url)
    server = rtsp_server("--mounts", "2", "--fps", "10", "--width", "320", "--height", "180",
                         "--user", "admin", "--password", PASSWORD)
    urls = [server.url(i, f"admin:{PASSWORD}@") for i in range(2)]
    store = tmp_path / "video"
    store.mkdir()
    recording = (f'\n[recording]\ndefault_mode = "continuous"\nsegment_seconds = {SEGMENT_SECONDS}\n'
                 f'[[recording.storage]]\npath = "{store}"\nquota_gb = 1\n')
    settings = cluster.prepare(tmp_path, postgres_url, urls, lease=3.0, renew=1.0,
                               recording=recording)
    for name in ("w1", "w2"):
        proc, _ = cluster.worker(settings, name)
        procs.append(proc)
    app, base = cluster.app(settings)
    procs.append(app)

    def split() -> dict[str, str] | None:
        held = owners(postgres_url)
        return held if set(held) == set(CAMERAS) and set(held.values()) == {"w1", "w2"} else None

    held = wait_for(split, 60, "two workers holding one camera each", *procs)
    assert isinstance(held, dict)
    wait_for(lambda: all(len(_segments(postgres_url, c)) >= 2 for c in CAMERAS), 30,
             "two finished segments of each camera indexed", *procs)
    # Retention and the folder's reconciliation: one process of the three, never two.
    assert _retention_holders(postgres_url) == 1

    # A worker starting now repairs nothing: the open segments are the live workers' own.
    writing = {part.name for part in store.glob("*/*/*.mp4.part")}
    assert len(writing) == 2, writing
    third, _ = cluster.worker(settings, "w3")
    procs.append(third)
    wait_for(lambda: "w3" in cluster.live_workers(postgres_url), 30, "w3 live", *procs)
    time.sleep(2)  # two of its renewals
    third.stop()
    assert "unfinished segment" not in third.output, third.output
    finished = {name.removesuffix(".part") for name in writing}
    wait_for(lambda: finished <= {Path(s[2]).name for c in CAMERAS for s in _segments(postgres_url, c)},
             15, "the segments open at w3's start closed by their writers and indexed", *procs)

    victim_name = held["cam-0"]
    victim = procs[0] if victim_name == "w1" else procs[1]  # procs: w1, w2, app, w3
    survivor = procs[1] if victim is procs[0] else procs[0]
    survivor_name = "w2" if victim_name == "w1" else "w1"
    # Killed mid-segment: its open file already has whole fragments (one per keyframe).
    wait_for(lambda: _open_for(store, "cam-0", 1.5, 2.5), 20, "cam-0 mid-segment", *procs)
    killed = time.time()
    victim.kill9()
    wait_for(lambda: owners(postgres_url).get("cam-0") == survivor_name, 20,
             "the survivor holding cam-0", *procs)
    takeover = time.time() - killed
    # The dead worker's half-written segment is repaired by the taker and indexed.
    found = wait_for(lambda: re.search(r"cam-0: unfinished segment (cam-0_\d+\.mp4)\.part recovered",
                                       survivor.output), 15, "the leftover recovered", *procs)
    assert isinstance(found, re.Match)
    repaired = found.group(1)
    wait_for(lambda: any(s[3] > killed + 1 and s[4] - s[3] >= SEGMENT_SECONDS - 1
                         for s in _segments(postgres_url, "cam-0")), 30,
             "a full segment recorded by the new owner", *procs)
    survivor.stop()  # SIGTERM: closes and indexes its open segments; the index is then final

    segments = _segments(postgres_url, "cam-0")
    names = [Path(p).name for _, _, p, _, _, _ in segments]
    assert repaired in names
    before = [s for s in segments if s[3] < killed]  # the dead worker's
    after = [s for s in segments if s[3] >= killed]  # the new owner's
    assert len(before) >= 2 and len(after) >= 2, segments
    gap = after[0][3] - before[-1][4]
    assert 0 <= gap <= takeover + GAP_SLACK, (gap, takeover)
    print(f"takeover {takeover:.1f} s, recording gap {gap:.1f} s")
    for camera in CAMERAS:
        rows = _segments(postgres_url, camera)
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert earlier[4] <= later[3] + 0.2, (camera, earlier[2])  # one camera, one writer at a time
        for _, storage, path, start, end, size in rows:
            file = Path(storage) / path
            assert file.is_file() and file.stat().st_size == size, path
            frames = _decoded_frames(file)
            assert frames >= 0.6 * 10 * (end - start), (path, frames, end - start)
    assert not list(store.glob("*/*/*.part"))  # nothing left unfinished

    # The app serves the workers' segments: its timeline and the files from the shared folder.
    answer = httpx.get(f"{base}/recordings/cam-0/timeline",
                       params={"start": segments[0][3] - 1, "end": time.time()}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert [s["id"] for s in answer.json()["segments"]] == [s[0] for s in segments]
    first_after = after[0]
    got = httpx.get(f"{base}/recordings/cam-0/segment/{first_after[0]}.mp4", timeout=10)
    assert got.status_code == 200
    assert got.content == (Path(first_after[1]) / first_after[2]).read_bytes()
    assert all(PASSWORD not in p.output for p in procs)
    assert all("recording failed" not in p.output for p in procs)
