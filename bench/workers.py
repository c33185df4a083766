"""Stream workers on one machine: the cost of a camera at 1, 2 and 3 workers, and the
takeover time after ``kill -9``.

Cameras are RTSP clients of the replay test server (``tests/streams/replay_rtsp.py``,
640×360 @ 5 fps H.264, tamper checks on). Real ``zongzhi worker`` processes share them
through the lease table of a PostgreSQL database (``zongzhi_bench_workers``, rebuilt each run).

1. **Scale.** The same ``--cameras`` held by 1, 2 and 3 workers in turn (``--rounds``
   alternating rounds): health and tamper, plus one MJPEG tile viewer per camera on the
   worker that holds it (the pull the app's relay makes). Measured over ``--seconds``: the
   workers' CPU per camera (per picture delivered × frame rate), and the cameras *held*
   (online, their viewer got ≥ 90 % of the frames). Linear means the CPU per camera at k
   workers ÷ at 1 worker stays ≤ 1.10 with every camera held: adding a worker (on another
   machine) adds its cameras.
2. **Takeover.** ``--takeover-workers`` (3) workers over ``--takeover-cameras``; ``--kills`` times: one holding
   cameras is killed with SIGKILL, and the clock runs until each of its cameras has a live
   owner among the others serving a picture (``/streams/{camera}.jpg``); a replacement starts
   and the shares settle before the next kill. p50, p95 and the worst, in seconds.
3. **Health-only** (``--health-only``, instead of 1.): the same ``--cameras`` with no viewer:
   each worker counts packets for health and decodes a keyframe every few seconds for the
   tamper checks (the light RTSP path, one packet thread per worker process). A camera is
   *held* as in ``bench/health_only.py``: its status is online and its packets arrived at
   ≥ 90 % of the source's frame rate over the window, both read from the worker that holds
   it (the ``zongzhi_camera_frames`` counter of its ``/metrics``, the status of its
   ``/streams/health``). The window starts once every camera is held by an even share and
   online at its owner, or once the count online stopped rising for ``--settle-stall``
   seconds, or after ``--settle`` seconds: start-up (claiming leases, 16 RTSP set-ups at once
   per worker) is not measured. Per worker count: the cameras held, the workers' CPU per
   camera and its ratio to the first count, the test server's CPU and ``/proc/loadavg``.
   Health-only runs use the timeouts of ``bench/health_only.py`` (connect 20 s, read 10 s).

    python bench/workers.py                      # 24 cameras, 2 rounds, 10 kills
    python bench/workers.py --quick              # the smoke run of the test suite
    # 500 health-only cameras on 1 and 2 workers, 60 s windows, no takeover part:
    python bench/workers.py --health-only --scale-only --cameras 500 --workers 1,2 --seconds 60
    # 300 cameras each recorded continuously by copy, over 2 workers:
    python bench/workers.py --record --scale-only --cameras 300 --workers 2 --seconds 60
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _common import CAVEAT, run_viewers  # noqa: E402
from _databases import bench_database  # noqa: E402
from _replay import TICKS, Replay, replay_server  # noqa: E402
from health_only import loadavg  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from dispatch.db import make_engine  # noqa: E402
from dispatch.models import Camera, RecordingSegment  # noqa: E402
from tests.streams.workers import cluster  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FPS = 5
HELD_SHARE = 0.9  # of the source's frame rate, as bench/health_only.py judges a camera held


def cpu_seconds(procs: list[cluster.Proc]) -> float:
    total = 0
    for proc in procs:
        fields = Path(f"/proc/{proc.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def statuses(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {cid: st for cid, st in conn.execute(sa.select(Camera.id, Camera.status))}
    finally:
        engine.dispose()


def balanced(url: str, cameras: list[str], ids: set[str]) -> dict[str, str] | None:
    """The owners once every camera is held by the ``ids`` workers, in shares that differ
    by one at most (a worker may hold none when there are fewer cameras than workers)."""
    held = cluster.owners(url)
    if set(held) != set(cameras) or not set(held.values()) <= ids:
        return None
    counts = [list(held.values()).count(w) for w in ids]
    return held if max(counts) - min(counts) <= 1 else None


def settled(url: str, cameras: list[str], ids: set[str]) -> dict[str, str] | None:
    """The owners once the shares are even and every camera is recorded online."""
    held = balanced(url, cameras, ids)
    online = statuses(url)
    return held if held and all(online.get(c) == "online" for c in cameras) else None


def start_workers(settings: Path, names: list[str]) -> tuple[list[cluster.Proc], dict[str, int]]:
    procs, ports = [], {}
    for name in names:
        proc, ports[name] = cluster.worker(settings, name)
        procs.append(proc)
    return procs, ports


def stop_all(procs: list[cluster.Proc]) -> None:
    for proc in procs:
        proc.stop()


def scale_round(settings: Path, url: str, cameras: list[str], k: int,
                seconds: float) -> tuple[float, int]:
    """(workers' CPU per camera at full rate, cameras held) with ``k`` workers. The CPU is
    counted per picture delivered to the viewers, times the frame rate: a worker starved by
    other work on the machine handles fewer pictures, and per picture its cost stays
    comparable."""
    names = [f"s{k}-{i}" for i in range(k)]
    procs, ports = start_workers(settings, names)
    try:
        held = cluster.wait_for(lambda: settled(url, cameras, set(names)),
                                180 + len(cameras), f"{k} workers settled", *procs)
        assert isinstance(held, dict)
        time.sleep(2)
        warmup = 3.0
        results: list[dict] = []
        window: list[float] = []

        def view(name: str) -> None:
            paths = [f"/streams/{c}.mjpg" for c, w in held.items() if w == name]
            results.extend(run_viewers(ports[name], paths, seconds, warmup))

        def clock() -> None:
            time.sleep(warmup)
            c0 = cpu_seconds(procs)
            time.sleep(seconds)
            window.append(cpu_seconds(procs) - c0)

        threads = [threading.Thread(target=view, args=(n,)) for n in names]
        threads.append(threading.Thread(target=clock))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        online = statuses(url)
        shares = sorted(r["frames"] / (FPS * seconds) for r in results)
        kept = sum(1 for r in results
                   if r["frames"] >= 0.9 * FPS * seconds
                   and online.get(r["path"].split("/")[-1].removesuffix(".mjpg")) == "online")
        if kept < len(cameras):
            states = {st: list(online.values()).count(st) for st in set(online.values())}
            print(f"    not held: {len(results)} viewers, frames/expected lowest "
                  f"{shares[0] if shares else 0:.2f} median "
                  f"{statistics.median(shares) if shares else 0:.2f}; statuses {states}",
                  flush=True)
        frames = sum(r["frames"] for r in results)
        return window[0] / max(frames, 1) * FPS, kept
    finally:
        stop_all(procs)


def scale(settings: Path, url: str, cameras: list[str], steps: list[int], seconds: float,
          rounds: int) -> None:
    cost: dict[int, list[float]] = {k: [] for k in steps}
    held: dict[int, list[int]] = {k: [] for k in steps}
    for r in range(rounds):
        for k in (steps if r % 2 == 0 else steps[::-1]):
            per, kept = scale_round(settings, url, cameras, k, seconds)
            cost[k].append(per)
            held[k].append(kept)
            print(f"  round {r + 1}: {k} worker(s): {per * 100:.3f} % of a core per camera, "
                  f"{kept}/{len(cameras)} held  (load {os.getloadavg()[0]:.1f})", flush=True)
    base = sum(cost[steps[0]])
    print(f"scale, {len(cameras)} cameras 640x360@{FPS} with health, tamper and a tile viewer:")
    for k in steps:
        ratio = sum(cost[k]) / base
        print(f"  {k} worker(s): {statistics.mean(cost[k]) * 100:.3f} % of a core per camera, "
              f"held {', '.join(map(str, held[k]))} of {len(cameras)} (by round); "
              f"CPU per camera ÷ 1 worker = {ratio:.2f} "
              f"({'linear within 10 %' if ratio <= 1.10 else 'NOT within 10 %'})")


# health-only ----------------------------------------------------------------------------
def health_timeouts(settings: Path) -> None:
    """The connect and read timeouts of ``bench/health_only.py``: hundreds of cameras opening
    on one packet thread answer slower than the test cluster's 3 s."""
    text = settings.read_text(encoding="utf-8")
    for old, new in (("connect_timeout = 3.0", "connect_timeout = 20.0"),
                     ("read_timeout = 2.0", "read_timeout = 10.0")):
        assert old in text, f"{old!r} not in the settings written by cluster.prepare"
        text = text.replace(old, new)
    settings.write_text(text, encoding="utf-8")


def worker_health(port: int) -> dict[str, str]:
    """Camera → status, from the worker's ``/streams/health`` ({} if it does not answer)."""
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/streams/health", timeout=30)
        answer.raise_for_status()
    except httpx.HTTPError:
        return {}
    return {h["camera_id"]: h["status"] for h in answer.json()}


def worker_packets(port: int) -> dict[str, tuple[float, float]]:
    """Camera → (packets received, pictures decoded) of its sub-stream so far, from the
    worker's ``/metrics``."""
    answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30)
    answer.raise_for_status()
    got: dict[str, dict[str, float]] = {"zongzhi_camera_frames": {},
                                        "zongzhi_camera_decoded_frames": {}}
    for family in text_string_to_metric_families(answer.text):
        if family.name not in got:
            continue
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels.get("stream") == "sub":
                got[family.name][sample.labels["camera"]] = sample.value
    decoded = got["zongzhi_camera_decoded_frames"]
    return {cam: (n, decoded.get(cam, 0.0)) for cam, n in got["zongzhi_camera_frames"].items()}


def online_at_owners(url: str, ports: dict[str, int], cameras: list[str],
                     ids: set[str]) -> tuple[dict[str, str] | None, int]:
    """(the owners once the shares are even, or None; the cameras online at their owner)."""
    held = balanced(url, cameras, ids)
    if held is None:
        return None, 0
    status: dict[str, str] = {}
    for name in set(held.values()):
        status.update({c: st for c, st in worker_health(ports[name]).items()
                       if held.get(c) == name})
    return held, sum(1 for c in cameras if status.get(c) == "online")


def settle(url: str, procs: list[cluster.Proc], ports: dict[str, int], cameras: list[str], ids: set[str],
           limit: float, stall: float) -> tuple[dict[str, str], str]:
    """Wait until every camera is held by an even share and online at its owner, or the
    count online stopped rising for ``stall`` seconds once the shares are even, or ``limit``
    seconds; returns the owners and how the wait ended."""
    t0 = time.monotonic()
    best, rose = -1, t0
    held: dict[str, str] | None = None
    while True:
        dead = [p for p in procs if not p.alive()]
        if dead:
            tails = "\n".join(f"--- {p.name}\n" + "\n".join(p.lines[-20:]) for p in dead)
            raise AssertionError(f"a worker ended during start-up\n{tails}")
        held, online = online_at_owners(url, ports, cameras, ids)
        now = time.monotonic()
        if held is not None and online == len(cameras):
            return held, f"all {online} online after {now - t0:.0f} s"
        if held is not None and online > best:
            best, rose = online, now
        if held is not None and now - rose > stall:
            return held, f"{online} online after {now - t0:.0f} s (none more for {stall:.0f} s)"
        if now - t0 > limit:
            owners = held or cluster.owners(url)
            return owners, (f"{max(online, 0)} online, shares {'even' if held else 'NOT even'}, "
                            f"after the {limit:.0f} s limit")
        time.sleep(1.0)


def recorded_since(url: str, since: datetime) -> tuple[set[str], int]:
    """Cameras with a segment indexed that ends after ``since``, and those segments' bytes."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(RecordingSegment.camera_id, RecordingSegment.size)
                .where(RecordingSegment.end_at > since)
            ).all()
    finally:
        engine.dispose()
    return {c for c, _ in rows}, sum(int(n or 0) for _, n in rows)


def health_round(settings: Path, url: str, replay: Replay, cameras: list[str], k: int, seconds: float,
                 limit: float, stall: float, record: bool = False) -> tuple[float, int, float]:
    """(workers' CPU per camera in cores, cameras held, test server CPU in cores) with ``k``
    workers and no viewer. ``record``: every camera is also recorded continuously, and held
    only if it indexed a segment that ends inside the window."""
    names = [f"h{k}-{i}" for i in range(k)]
    procs, ports = start_workers(settings, names)
    try:
        held, how = settle(url, procs, ports, cameras, set(names), limit, stall)
        print(f"    {k} worker(s) started: {how}", flush=True)
        time.sleep(2)
        owners = sorted(set(held.values()))
        before = {n: worker_packets(ports[n]) for n in owners}
        c0, s0, t0 = cpu_seconds(procs), replay.cpu_seconds(), time.monotonic()
        began = datetime.now(UTC)
        time.sleep(seconds)
        after = {n: worker_packets(ports[n]) for n in owners}
        c1, s1, t1 = cpu_seconds(procs), replay.cpu_seconds(), time.monotonic()
        wrote, size = recorded_since(url, began) if record else (set(cameras), 0)
        status: dict[str, str] = {}
        for n in owners:
            status.update({c: st for c, st in worker_health(ports[n]).items() if held.get(c) == n})
        spent = t1 - t0
        rates, decoded = {}, 0.0
        for cam in cameras:
            n = held.get(cam)
            p0, d0 = before.get(n, {}).get(cam, (0.0, 0.0)) if n else (0.0, 0.0)
            p1, d1 = after.get(n, {}).get(cam, (0.0, 0.0)) if n else (0.0, 0.0)
            rates[cam] = max(p1 - p0, 0.0) / spent
            decoded += max(d1 - d0, 0.0)
        kept = sum(1 for c in cameras
                   if status.get(c) == "online" and rates[c] >= HELD_SHARE * FPS and c in wrote)
        if record:
            print(f"    recorded: {len(wrote & set(cameras))} of {len(cameras)} cameras indexed "
                  f"segments ending in the window, {size / 1e6:.1f} MB "
                  f"({size / max(len(wrote), 1) / spent / 1e3:.0f} kB/s a camera)", flush=True)
        ordered = sorted(rates.values())
        states = {st: list(status.values()).count(st) for st in sorted(set(status.values()))}
        missing = len(cameras) - len(status)
        print(f"    packets/s of a camera: lowest {ordered[0]:.2f}, median "
              f"{statistics.median(ordered):.2f} (source {FPS}), {decoded:.0f} of "
              f"{sum(ordered) * spent:.0f} frames decoded; statuses {states}"
              + (f", {missing} unreported" if missing else ""), flush=True)
        return (c1 - c0) / spent / len(cameras), kept, (s1 - s0) / spent
    finally:
        stop_all(procs)


def health_only_scale(settings: Path, url: str, replay: Replay, cameras: list[str],
                      steps: list[int], seconds: float, rounds: int, limit: float,
                      stall: float, record: bool = False) -> None:
    cost: dict[int, list[float]] = {k: [] for k in steps}
    held: dict[int, list[int]] = {k: [] for k in steps}
    for r in range(rounds):
        for k in (steps if r % 2 == 0 else steps[::-1]):
            per, kept, server = health_round(settings, url, replay, cameras, k, seconds, limit, stall,
                                             record)
            cost[k].append(per)
            held[k].append(kept)
            print(f"  round {r + 1}: {k} worker(s): {kept}/{len(cameras)} held "
                  f"({'held' if kept == len(cameras) else 'NOT held'}), workers "
                  f"{per * len(cameras) * 100:.0f} % of a core, {per * 100:.3f} % per camera; "
                  f"test server {server * 100:.0f} %; load {loadavg()}", flush=True)
    base = sum(cost[steps[0]])
    what = ("recorded continuously by copy (segments indexed)" if record
            else "packets + keyframe tamper")
    print(f"health-only, {len(cameras)} cameras 640x360@{FPS} H.264 ({what}, "
          f"no viewer), {seconds:.0f} s windows:")
    for k in steps:
        ratio = sum(cost[k]) / base if base else float("nan")
        print(f"  {k} worker(s): held {', '.join(map(str, held[k]))} of {len(cameras)} "
              f"(by round); {statistics.mean(cost[k]) * 100:.3f} % of a core per camera "
              f"(workers' CPU / cameras); CPU per camera ÷ {steps[0]} worker(s) = {ratio:.2f}")
    print(f"load {loadavg()} (/proc/loadavg: 1, 5, 15 min)")


def live_at(port: int, camera: str) -> bool:
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/streams/{camera}.jpg", timeout=5)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"


def takeover(settings: Path, url: str, cameras: list[str], kills: int,
             workers: int) -> list[float]:
    names = [f"t{i}" for i in range(workers)]
    procs, ports = start_workers(settings, names)
    alive = dict(zip(names, procs, strict=True))
    times: list[float] = []
    serial = len(names)
    try:
        for trial in range(kills):
            held = cluster.wait_for(lambda: settled(url, cameras, set(alive)), 180,
                                    f"{workers} workers settled", *alive.values())
            assert isinstance(held, dict)
            victim = random.choice(sorted(set(held.values())))
            lost = [c for c, w in held.items() if w == victim]
            alive.pop(victim).kill9()
            killed = time.monotonic()
            back: dict[str, float] = {}
            while len(back) < len(lost) and time.monotonic() - killed < 60:
                owners = cluster.owners(url)
                for cam in lost:
                    owner = owners.get(cam)
                    if cam not in back and owner in alive and live_at(ports[owner], cam):
                        back[cam] = time.monotonic() - killed
                time.sleep(0.1)
            assert len(back) == len(lost), f"cameras not taken over: {set(lost) - set(back)}"
            times.append(max(back.values()))
            print(f"  kill {trial + 1}: {victim} held {len(lost)}; all live again after "
                  f"{times[-1]:.1f} s  (load {os.getloadavg()[0]:.1f})", flush=True)
            if trial == kills - 1:
                break
            name = f"t{serial}"
            serial += 1
            proc, ports[name] = cluster.worker(settings, name)
            alive[name] = proc
            procs.append(proc)
    finally:
        stop_all([p for p in procs if p.alive()])
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cameras", type=int, default=24)
    p.add_argument("--workers", default="1,2,3", help="worker counts of the scale part")
    p.add_argument("--seconds", type=float, default=20.0, help="measured window per round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--takeover-cameras", type=int, default=6)
    p.add_argument("--takeover-workers", type=int, default=3)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--lease", type=float, default=6.0, help="lease_seconds of the workers")
    p.add_argument("--renew", type=float, default=2.0, help="renew_seconds of the workers")
    p.add_argument("--pg-url", default=os.environ.get("ZONGZHI_TEST_POSTGRES_URL", PG))
    p.add_argument("--database-url", default=None,
                   help="use this PostgreSQL database (its schema is rebuilt) instead of "
                   "zongzhi_bench_workers on --pg-url")
    p.add_argument("--health-only", action="store_true",
                   help="the scale part without viewers: cameras held on packets and keyframe "
                   "tamper alone (see 3. above)")
    p.add_argument("--scale-only", action="store_true", help="no takeover part (--kills 0)")
    p.add_argument("--settle", type=float, default=None,
                   help="health-only: the longest wait for the cameras to be held before the "
                   "window (default 120 s + 0.5 s per camera)")
    p.add_argument("--settle-stall", type=float, default=30.0,
                   help="health-only: start the window once the count online stopped rising "
                   "this long")
    p.add_argument("--servers", type=int, default=1, help="replay RTSP server processes")
    p.add_argument("--record", action="store_true",
                   help="health-only with every camera recorded continuously by copy (10 s "
                   "segments in a temporary folder); held also needs a segment in the window")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 2 cameras at 1 and 2 workers, 2 s, one round; one kill of "
                   "one of 2 workers over 3 cameras (lease 3 s)")
    a = p.parse_args()
    if a.quick:
        a.cameras, a.workers, a.seconds, a.rounds = 2, "1,2", 2.0, 1
        a.takeover_cameras, a.takeover_workers, a.kills = 3, 2, 1
        a.lease, a.renew = 3.0, 1.0
    if a.scale_only:
        a.kills = 0
    steps = [int(k) for k in a.workers.split(",") if k]
    # Its own database (the smoke run in the suite passes the run's test database instead).
    url = a.database_url or bench_database("postgresql", "workers", Path("data"), a.pg_url)
    print(CAVEAT)
    with tempfile.TemporaryDirectory() as tmp, replay_server(fps=FPS, servers=a.servers) as replay:
        if steps and a.cameras:
            cluster.reset(url)
            recording = ""
            if a.record:
                store = Path(tmp) / "video"
                store.mkdir()
                recording = (f'\n[recording]\ndefault_mode = "continuous"\nsegment_seconds = 10\n'
                             f'[[recording.storage]]\npath = "{store}"\nquota_gb = 100\n')
            settings = cluster.prepare(Path(tmp), url, replay.urls(a.cameras), lease=a.lease,
                                       renew=a.renew, fps=FPS, tamper=True, recording=recording)
            cameras = [f"cam-{i}" for i in range(a.cameras)]
            if a.health_only or a.record:
                health_timeouts(settings)
                limit = a.settle if a.settle is not None else 120 + 0.5 * a.cameras
                health_only_scale(settings, url, replay, cameras, steps, a.seconds, a.rounds,
                                  limit, a.settle_stall, a.record)
            else:
                scale(settings, url, cameras, steps, a.seconds, a.rounds)
        if a.kills:
            cluster.reset(url)
            folder = Path(tmp) / "takeover"
            folder.mkdir()
            settings = cluster.prepare(folder, url, replay.urls(a.takeover_cameras),
                                       lease=a.lease, renew=a.renew, fps=FPS, tamper=True)
            times = takeover(settings, url, [f"cam-{i}" for i in range(a.takeover_cameras)],
                             a.kills, a.takeover_workers)
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
            print(f"takeover after kill -9, {len(times)} kills, lease {a.lease} s, renewal "
                  f"{a.renew} s: p50 {statistics.median(times):.1f} s, p95 {p95:.1f} s, "
                  f"worst {ordered[-1]:.1f} s (target ≤ 15 s)")


if __name__ == "__main__":
    main()
