"""Video sessions: server CPU per participant and frame rate at every receiver.

For sessions of 2, 4 and 6 participants plus 2 attached cameras (sim:// 640×360 @ 15 fps), each
participant publishes a 320×240 @ 15 fps picture and a tone by WHIP and views every other
participant and both cameras by WHEP. The server (uvicorn, the real session routes, the media
room, the stream hub) runs in this process; the participants are real aiortc peers in a
separate process each (as on their own devices), so the CPU figures are the server's. Target: 4 participants + 2 cameras at
≥ 10 fps at every receiver.

    python bench/session.py [--sizes 2 4 6] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAVEAT = ("note: 2 shared cores; clients run on the same machine (they decode every feed), "
          "other work moves absolute numbers; compare ratios measured in the same run")
VERBOSE = "-v" in sys.argv
H264_PUBLISHERS = "--h264-publishers" in sys.argv
ROOMS: list[object] = []  # the conference of the current run
CAMERAS = ("cam-jiangna-1", "cam-gate")


def LOAD() -> float:  # noqa: N802 - one-minute load average of the machine
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(tmp: Path, encode_once: bool = True) -> tuple[object, object, str, list[str], int]:
    """Start the server in a thread; returns (server, hub, base URL, join links, session id).
    The conference is kept in ``ROOMS`` so the bench can read its counters."""
    import httpx
    import uvicorn
    from starlette.applications import Starlette

    from config.cameras import CameraConfig
    from config.streams import StreamSettings
    from dispatch.consultation.routes import consultation_routes
    from streams.conference.rooms import Conference
    from streams.hub import StreamHub
    from tests.consultation.conftest import (
        PRINCIPALS,
        PrincipalHeader,
        case_in_handling,
        migrated_db,
    )
    from tests.streams.conftest import free_port

    db = migrated_db(f"sqlite:///{tmp / 'bench.db'}")
    case_id = case_in_handling(db)
    hub = StreamHub([
        CameraConfig(id=cam, name=cam, center="532622101201", tamper=False,
                     sub_url=f"sim://?w=640&h=360&fps=15&label={cam}") for cam in CAMERAS
    ], StreamSettings())
    hub.start_sync()
    conference = Conference(hub, hub.settings, encode_once=encode_once)
    ROOMS.append(conference)
    app = Starlette(routes=consultation_routes(db.factory, conference, sla=db.sla, data_dir=tmp))
    app.add_middleware(PrincipalHeader)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", access_log=False))
    threading.Thread(target=server.run, name="bench-uvicorn", daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    assert "township" in PRINCIPALS
    with httpx.Client(base_url=base, headers={"X-Test-Principal": "township"}, timeout=30) as http:
        made = http.post("/api/consultations", json={"case_id": case_id, "attach": 2}).json()
        links = [made["join"]]
        for i in range(7):
            answer = http.post(f"/api/consultations/{made['id']}/invitations",
                               json={"name": f"参会者{i + 2}", "role": "guest"})
            links.append(answer.json()["invitations"][0]["link"])
    return server, hub, base, links, made["id"]


async def participant(base: str, link: str, expected_feeds: int, seconds: float,
                      h264: bool = False) -> dict[str, object]:
    """One participant (its own process, as on its own device): publish, view every other
    feed, print ``ready``, read the measuring window's start from stdin, count frames in it."""
    from tests.consultation.peers import Client

    person = Client(base, link, link[-4:])
    try:
        await person.join(h264_packets=h264)
        deadline = time.monotonic() + 120
        while True:  # wait for everyone else to publish
            state = await person.state()
            if len(state["feeds"]) >= expected_feeds or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        for feed in state["feeds"]:
            await person.view(feed["feed"], audio=feed["kind"] == "participant")
        print("ready", flush=True)
        window_start = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(0.0, window_start - time.time()))
        before = {f: (r.video_frames, r.audio_frames) for f, r in person.received.items()}
        sent0 = await _sent_packets(person)
        await asyncio.sleep(seconds)
        sent1 = await _sent_packets(person)
        return {
            "sent_pps": {k: (sent1[k] - sent0.get(k, 0)) / seconds for k in sent1},
            "fps": {f: (r.video_frames - before.get(f, (0, 0))[0]) / seconds
                    for f, r in person.received.items()},
            "audio_fps": {f: (r.audio_frames - before.get(f, (0, 0))[1]) / seconds
                          for f, r in person.received.items() if f.startswith("p-")},
            "missing": expected_feeds - len(state["feeds"]),
        }
    finally:
        await person.close()


async def _loop_lag(out: list[float]) -> None:
    """How late the server's event loop wakes a 10 ms sleep: its backlog."""
    while True:
        start = time.monotonic()
        await asyncio.sleep(0.01)
        out.append(time.monotonic() - start - 0.01)


async def _sent_packets(person: object) -> dict[str, int]:
    """RTP packets the participant's publisher has sent, by kind."""
    pc = person.publisher  # type: ignore[attr-defined]
    report = await pc.getStats()
    return {s.kind: s.packetsSent for s in report.values() if s.type == "outbound-rtp"}


def measure(size: int, warmup: float, seconds: float, encode_once: bool = True) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        server, hub, base, links, sid = serve(Path(folder), encode_once)
        conference = ROOMS[-1]
        try:
            procs = [subprocess.Popen(
                [sys.executable, __file__, "participant", base, link, str(size - 1 + len(CAMERAS)),
                 str(seconds), "1" if H264_PUBLISHERS else "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
                for link in links[:size]]
            for proc in procs:  # everyone publishing and viewing
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            window_start = time.time() + warmup
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(f"{window_start}\n")
                proc.stdin.flush()
            time.sleep(max(0.0, window_start - time.time()))
            lags: list[float] = []
            probe = asyncio.run_coroutine_threadsafe(
                _loop_lag(lags), conference.loop)  # type: ignore[attr-defined]
            room = conference.rooms.get(str(sid))  # type: ignore[attr-defined]
            assert room is not None, "no participant published before the measuring window"
            in0 = {f: p.frames for f, p in room.publishers.items()}
            a0 = {f: p.audio_frames for f, p in room.publishers.items()}
            c0, t0 = cpu_seconds(), time.monotonic()
            time.sleep(seconds)
            c1, t1 = cpu_seconds(), time.monotonic()
            probe.cancel()
            lags.sort()
            incoming = [(p.frames - in0.get(f, 0)) / seconds for f, p in room.publishers.items()]
            audio_in = [(p.audio_frames - a0.get(f, 0)) / seconds for f, p in room.publishers.items()]
            if VERBOSE:
                print("into server: video", incoming, "audio", audio_in, file=sys.stderr)
            outs = [p.communicate(timeout=120)[0] for p in procs]  # type: ignore[union-attr]
        finally:
            server.should_exit = True  # type: ignore[attr-defined]
            hub.stop_sync()  # type: ignore[attr-defined]
            time.sleep(0.5)
    results = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    if VERBOSE:
        for i, r in enumerate(results):
            print(size, i, json.dumps(r), file=sys.stderr)
    rates = [v for r in results for v in r["fps"].values()]
    rates += [0.0] * sum(r["missing"] for r in results)  # a feed never seen counts as 0 fps
    audio = [v for r in results for v in r["audio_fps"].values()]
    cpu = (c1 - c0) / (t1 - t0)
    delivered = sum(rates) * seconds
    return {"participants": size, "server_cpu": cpu, "cpu_per_participant": cpu / size,
            "frames_per_cpu_second": delivered / max(1e-9, c1 - c0), "load": LOAD(),
            # What the publishers got through to the server: a receiver cannot get more.
            "min_incoming_fps": min(incoming) if incoming else 0.0,
            "loop_lag_p50_ms": 1000 * lags[len(lags) // 2] if lags else 0.0,
            "loop_lag_p99_ms": 1000 * lags[int(len(lags) * 0.99)] if lags else 0.0,
            "min_fps": min(rates), "mean_fps": sum(rates) / len(rates),
            "min_audio_fps": min(audio) if audio else 0.0, "feeds": len(rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 6])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("-v", action="store_true", help="print every receiver's rate")
    parser.add_argument("--h264-publishers", action="store_true",
                        help="participants send a pre-encoded H.264 clip (as a phone's hardware "
                             "encoder would) instead of encoding in Python")
    parser.add_argument("--baseline", type=int, default=4,
                        help="also run this size with per-viewer encoding (0: skip)")
    parser.add_argument("--nice", type=int, default=0,
                        help="run server and participants at this niceness (negative: ahead of "
                             "unrelated work on a shared machine; needs privileges)")
    args = parser.parse_args()
    if args.nice:
        os.nice(args.nice)  # children inherit it
    rows = [measure(size, args.warmup, args.seconds) for size in args.sizes]
    base = rows[0]
    print("participants | server CPU (cores) | CPU/participant | ÷ smallest | min fps | mean fps"
          " | min audio frames/s | video feeds | frames per server CPU-s | min fps into server"
          " | loop lag p50/p99 ms | load avg")
    for r in rows:
        print(f"{r['participants']:>12} | {r['server_cpu']:>18.2f} | {r['cpu_per_participant']:>15.3f}"
              f" | {r['cpu_per_participant'] / base['cpu_per_participant']:>10.2f}"
              f" | {r['min_fps']:>7.1f} | {r['mean_fps']:>8.1f} | {r['min_audio_fps']:>18.1f}"
              f" | {r['feeds']:>11} | {r['frames_per_cpu_second']:>23.0f}"
              f" | {r['min_incoming_fps']:>19.1f}"
              f" | {r['loop_lag_p50_ms']:>8.0f}/{r['loop_lag_p99_ms']:<10.0f} | {r['load']:>8.1f}")
    four = next((r for r in rows if r["participants"] == 4), None)
    if four is not None:
        verdict = "met" if four["min_fps"] >= 10 else "NOT met"
        print(f"target 4 participants + 2 cameras ≥ 10 fps at every receiver: {verdict}"
              f" (min {four['min_fps']:.1f} fps)")
    if args.baseline:
        size = args.baseline
        per_viewer = measure(size, args.warmup, args.seconds, encode_once=False)
        shared = next((r for r in rows if r["participants"] == size), None) or measure(
            size, args.warmup, args.seconds)
        print(f"baseline, {size} participants, every viewer encoded separately: server CPU"
              f" {per_viewer['server_cpu']:.2f} cores, {per_viewer['frames_per_cpu_second']:.0f}"
              f" frames per CPU-s, min {per_viewer['min_fps']:.1f} fps; encode-once delivers"
              f" {shared['frames_per_cpu_second'] / per_viewer['frames_per_cpu_second']:.2f}×"
              " the frames per server CPU-second")
    print(CAVEAT)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "participant":
        _, _, base_url, join_link, feeds, secs, h264 = sys.argv
        print(json.dumps(asyncio.run(participant(base_url, join_link, int(feeds), float(secs),
                                                 h264 == "1"))))
    else:
        main()
