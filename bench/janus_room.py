"""Video sessions on the built-in room vs on Janus: server CPU per participant, and the largest
room where every receiver keeps ≥ 10 fps, the same script on both engines in the same run.

Each participant (its own process, as on its own device) publishes a 320×240 @ 15 fps H.264
clip (as a phone's hardware encoder would hand it out; pre-encoded so the participants' own
encoders do not starve the server on this machine) and a tone, and views every other
participant (video and audio), by WHEP on the built-in room or by the server-offer exchange on
Janus. The server is this process (uvicorn, the real session routes); on Janus, the server's
CPU is this process's plus the ``janus`` process's (started here, Debian's package). Target:
Janus ≤ 1/10 of the built-in room's CPU per participant.

    python bench/janus_room.py [--sizes 2 4 6] [--seconds 10] [--engines builtin janus]
                               [--event-loops N] [--no-decode]
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
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAVEAT = ("note: 2 shared cores; participants run on the same machine (each decodes every feed "
          "it views), other work moves absolute numbers; compare ratios from the same run")
TICK = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def start_server(tmp: Path, engine: str, janus: Any) -> tuple[Any, list[str], int]:
    """The session server over ``engine``; returns (served, join links, session id)."""
    import httpx

    from config.media import JanusSettings
    from config.streams import StreamSettings
    from streams.conference.rooms import Conference
    from streams.janus.engine import JanusMedia
    from tests.consultation.conftest import case_in_handling, migrated_db
    from tests.consultation.janus_session import serve

    db = migrated_db(f"sqlite:///{tmp / 'bench.db'}")
    case_id = case_in_handling(db)
    settings = StreamSettings()
    media: Any = Conference(None, settings) if engine == "builtin" else JanusMedia(
        JanusSettings(url=janus.url, api_secret=janus.api_secret, admin_key=janus.admin_key,
                      publishers=32), None)
    served = serve(db, tmp / "data", media)
    with httpx.Client(base_url=served.base, headers={"X-Test-Principal": "township"},
                      timeout=30) as http:
        made = http.post("/api/consultations", json={"case_id": case_id, "attach": 0}).json()
        links = [made["join"]]
        for i in range(11):
            answer = http.post(f"/api/consultations/{made['id']}/invitations",
                               json={"name": f"参会者{i + 2}", "role": "guest"})
            links.append(answer.json()["invitations"][0]["link"])
    return served, links, made["id"]


def count_without_decoding() -> None:
    """Receivers count each video frame the jitter buffer assembles without decoding it (a
    blank picture stands for it): on this machine the participants share the server's two
    cores, and their decoders, not the server, were what slowed the larger rooms. Real
    receivers decode on their own devices. Audio is still decoded (Opus, cheap)."""
    import aiortc.rtcrtpreceiver as receiver
    import av
    from aiortc.mediastreams import VIDEO_TIME_BASE

    real = receiver.get_decoder

    class Counted:
        def decode(self, encoded_frame: Any) -> list[Any]:
            frame = av.VideoFrame(16, 16, "yuv420p")
            frame.pts, frame.time_base = encoded_frame.timestamp, VIDEO_TIME_BASE
            return [frame]

    def get_decoder(codec: Any) -> Any:
        return Counted() if codec.mimeType.lower().startswith("video/") else real(codec)

    receiver.get_decoder = get_decoder


async def participant(base: str, link: str, others: int, seconds: float,
                      decode: bool = True) -> dict[str, Any]:
    """Publish, view every other participant, print ``ready``, read the window's start from
    stdin, count the frames received in it."""
    from tests.consultation.janus_session import Viewer

    if not decode:
        count_without_decoding()

    person = Viewer(base, link, link[-4:])
    try:
        await person.join(h264_packets=True)
        deadline = time.monotonic() + 120
        while True:
            feeds = [f for f in (await person.state())["feeds"] if f["kind"] == "participant"]
            if len(feeds) >= others or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        viewed = 0
        for feed in feeds:
            for _ in range(3):  # a publisher reconnecting on a loaded machine: ask again
                try:
                    await person.view_feed(feed)
                    viewed += 1
                    break
                except AssertionError:
                    await asyncio.sleep(1.0)
        print("ready", flush=True)
        start = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(0.0, start - time.time()))
        before = {f: r.video_frames for f, r in person.received.items()}
        await asyncio.sleep(seconds)
        return {"fps": {f: (r.video_frames - before.get(f, 0)) / seconds
                        for f, r in person.received.items()},
                "missing": others - viewed}
    finally:
        await person.close()


def measure(engine: str, size: int, warmup: float, seconds: float, janus: Any,
            decode: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        served, links, _ = start_server(Path(folder), engine, janus)
        procs: list[subprocess.Popen[str]] = []
        try:
            procs = [subprocess.Popen(
                [sys.executable, __file__, "participant", served.base, link, str(size - 1),
                 str(seconds), "decode" if decode else "count"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
                for link in links[:size]]
            for proc in procs:
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            start = time.time() + warmup
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(f"{start}\n")
                proc.stdin.flush()
            time.sleep(max(0.0, start - time.time()))
            jpid = janus.process.pid if engine == "janus" else None
            c0, j0, t0 = own_cpu(), process_cpu(jpid) if jpid else 0.0, time.monotonic()
            time.sleep(seconds)
            c1, j1, t1 = own_cpu(), process_cpu(jpid) if jpid else 0.0, time.monotonic()
            outs = [p.communicate(timeout=120)[0] for p in procs]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
            served.stop()
    results = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    rates = [v for r in results for v in r["fps"].values()]
    rates += [0.0] * sum(r["missing"] for r in results)  # a feed never seen counts as 0 fps
    span = t1 - t0
    product, engine_cpu = (c1 - c0) / span, (j1 - j0) / span
    cpu = product + engine_cpu
    delivered = sum(rates) * seconds
    return {"engine": engine, "participants": size, "product_cpu": product, "janus_cpu": engine_cpu,
            "frames_per_cpu_second": delivered / max(1e-9, cpu * span),
            "server_cpu": cpu, "cpu_per_participant": cpu / size, "load": load(),
            "min_fps": min(rates) if rates else 0.0,
            "mean_fps": sum(rates) / len(rates) if rates else 0.0, "feeds": len(rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 6])
    parser.add_argument("--engines", nargs="+", choices=("builtin", "janus"),
                        default=["builtin", "janus"])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--event-loops", type=int, default=0,
                        help="Janus event_loops (0: a thread per handle, Janus's default)")
    parser.add_argument("--no-decode", action="store_true",
                        help="receivers count assembled video frames without decoding them "
                             "(the participants' decoders then leave the server's cores alone)")
    args = parser.parse_args()
    from streams.janus.server import JanusServer

    with tempfile.TemporaryDirectory() as folder:
        janus = (JanusServer(Path(folder) / "janus", event_loops=args.event_loops).start()
                 if "janus" in args.engines else None)
        try:
            rows = [measure(engine, size, args.warmup, args.seconds, janus, not args.no_decode)
                    for size in args.sizes for engine in args.engines]
        finally:
            if janus is not None:
                janus.stop()
    print("engine  | participants | server CPU (cores) | of it janus | CPU/participant"
          " | min fps | mean fps | feeds | frames per server CPU-s | load avg")
    for r in rows:
        print(f"{r['engine']:<7} | {r['participants']:>12} | {r['server_cpu']:>18.3f}"
              f" | {r['janus_cpu']:>11.3f} | {r['cpu_per_participant']:>15.4f}"
              f" | {r['min_fps']:>7.1f} | {r['mean_fps']:>8.1f} | {r['feeds']:>5}"
              f" | {r['frames_per_cpu_second']:>23.0f} | {r['load']:>8.1f}")
    for size in args.sizes:
        pair = {r["engine"]: r for r in rows if r["participants"] == size}
        if len(pair) == 2:
            ratio = pair["janus"]["cpu_per_participant"] / max(1e-9, pair["builtin"]["cpu_per_participant"])
            verdict = "met" if ratio <= 0.1 else "NOT met"
            per_frame = (pair["builtin"]["frames_per_cpu_second"]
                         / max(1e-9, pair["janus"]["frames_per_cpu_second"]))
            print(f"{size} participants: Janus / built-in CPU per participant = {ratio:.3f}"
                  f" (target ≤ 0.100: {verdict}); per delivered frame = {per_frame:.3f}")
    marginal = {}
    for engine in args.engines:
        mine = sorted((r for r in rows if r["engine"] == engine), key=lambda r: r["participants"])
        if len(mine) >= 2 and mine[-1]["participants"] > mine[0]["participants"]:
            marginal[engine] = ((mine[-1]["server_cpu"] - mine[0]["server_cpu"])
                                / (mine[-1]["participants"] - mine[0]["participants"]))
            print(f"{engine}: CPU per added participant ({mine[0]['participants']} → "
                  f"{mine[-1]['participants']}) = {marginal[engine]:.4f} cores")
    if len(marginal) == 2:
        ratio = marginal["janus"] / max(1e-9, marginal["builtin"])
        print(f"Janus / built-in CPU per added participant = {ratio:.3f}"
              f" (the fixed cost of an idle server taken out)")
    for engine in args.engines:
        kept = [r["participants"] for r in rows if r["engine"] == engine and r["min_fps"] >= 10]
        print(f"{engine}: largest room measured with every receiver ≥ 10 fps:"
              f" {max(kept) if kept else 'none'} participants")
    print(CAVEAT)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "participant":
        _, _, base_url, join_link, others, secs, decoding = sys.argv
        print(json.dumps(asyncio.run(participant(base_url, join_link, int(others), float(secs),
                                                 decoding == "decode"))))
    else:
        main()
