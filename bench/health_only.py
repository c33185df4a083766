"""Health-only cameras on two cores: how many the hub holds, and what each one costs.

Cameras are RTSP clients of the replay test server (``tests/streams/replay_rtsp.py``: a clip
of 640×360 @ 5 fps H.264, a keyframe every 2 s, encoded once and replayed over TCP-interleaved
RTP, so the server is not the bottleneck). Health-only: nobody watches; the hub counts packets
for health and decodes one keyframe every ``key_seconds`` for the tamper checks.

1. ``--cameras`` cameras read by FFmpeg's demuxer (one per camera, the old path) and by the
   light path (every camera's packets on one shared thread), alternating in the same run:
   CPU of this process per camera, light ÷ FFmpeg.
2. Light-path cameras in steps (``--steps``): held when every camera is online and every
   camera received at least 90 % of the source's frames over ``--hold-seconds`` (60 s by
   default); the largest count held (target ≥ 500 on two cores), with its CPU per camera.

    python bench/health_only.py --cameras 500            # compare at 500, then the steps
    python bench/health_only.py --cameras 64 --steps ""  # the comparison only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CAVEAT  # noqa: E402
from _replay import Replay, replay_server  # noqa: E402

from config.cameras import CameraConfig  # noqa: E402
from config.streams import StreamSettings  # noqa: E402
from streams.hub import StreamHub  # noqa: E402

FPS = 5


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__().replace("'", "")


def start(urls: list[str], reader: str) -> tuple[StreamHub, float]:
    """A hub of health-only cameras; returns it and the seconds until all were online."""
    cameras = [CameraConfig(id=f"h{i}", name=f"h{i}", center="532622", sub_url=url, fps=FPS)
               for i, url in enumerate(urls)]
    hub = StreamHub(cameras, StreamSettings(connect_timeout=20, read_timeout=10, rtsp_reader=reader))
    t0 = time.monotonic()
    hub.start_sync()
    deadline = t0 + 30 + len(urls) / 5
    while time.monotonic() < deadline:
        if all(h.status == "online" for h in hub.health()):
            break
        time.sleep(0.5)
    took = time.monotonic() - t0
    time.sleep(3)
    return hub, took


def window(hub: StreamHub, seconds: float) -> tuple[float, int, int, float]:
    """(CPU-seconds of this process, packets, pictures decoded, lowest fps of a camera)."""
    subs = [hub.camera(cid).sub for cid in hub.camera_ids()]
    p0 = [s.meter.frames_in for s in subs]
    d0 = sum(s.decoded_frames for s in subs)
    cpu0, t0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu, spent = time.process_time() - cpu0, time.monotonic() - t0
    got = [s.meter.frames_in - p for s, p in zip(subs, p0, strict=True)]
    return cpu, sum(got), sum(s.decoded_frames for s in subs) - d0, min(got) / spent


def compare(replay: Replay, count: int, seconds: float, rounds: int) -> None:
    per: dict[str, list[float]] = {"ffmpeg": [], "light": []}
    for _ in range(rounds):
        for reader in ("ffmpeg", "light"):
            hub, took = start(replay.urls(count), reader)
            try:
                online = sum(h.status == "online" for h in hub.health())
                s0 = replay.cpu_seconds()
                cpu, packets, decoded, lowest = window(hub, seconds)
                server = replay.cpu_seconds() - s0
            finally:
                hub.stop_sync()
            per[reader].append(100 * cpu / seconds / count)
            print(f"  {reader:6s} {count} cameras: {online} online ({took:.0f} s to open), "
                  f"{per[reader][-1]:.3f} % of a core per camera, lowest {lowest:.2f} fps, "
                  f"{decoded} of {packets} frames decoded; test server "
                  f"{100 * server / seconds:.0f} % of a core; load {loadavg()}")
    ratio = statistics.median(per["light"]) / statistics.median(per["ffmpeg"])
    print(f"{count} health-only cameras 640x360@{FPS} H.264 over RTSP, median of {rounds} rounds: "
          f"FFmpeg path {statistics.median(per['ffmpeg']):.3f} %, light path "
          f"{statistics.median(per['light']):.3f} % of a core per camera; light / FFmpeg CPU "
          f"{ratio:.2f}")


def capacity(replay: Replay, steps: list[int], seconds: float, reader: str) -> None:
    best = 0
    for count in steps:
        hub, took = start(replay.urls(count), reader)
        try:
            s0 = replay.cpu_seconds()
            cpu, packets, decoded, lowest = window(hub, seconds)
            server = replay.cpu_seconds() - s0
            online = sum(h.status == "online" for h in hub.health())
        finally:
            hub.stop_sync()
        held = online == count and lowest >= 0.9 * FPS
        print(f"  {count:4d} health-only cameras ({reader}): {online} online after {seconds:.0f} s, "
              f"lowest {lowest:.2f} fps, {100 * cpu / seconds:.0f} % of a core "
              f"({100 * cpu / seconds / count:.3f} % per camera, {decoded} of {packets} frames "
              f"decoded), test server {100 * server / seconds:.0f} %, load {loadavg()} "
              f"-> {'held' if held else 'NOT held'}")
        if not held:
            break
        best = count
    print(f"health-only cameras held ({reader} path): {best}  (target >= 500 on two cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=64, help="cameras of the comparison")
    parser.add_argument("--seconds", type=float, default=10.0, help="comparison window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", default="128,256,384,500,640",
                        help="capacity steps, comma separated ('' to skip)")
    parser.add_argument("--hold-seconds", type=float, default=60.0)
    parser.add_argument("--reader", choices=("light", "ffmpeg"), default="light",
                        help="path of the capacity steps")
    parser.add_argument("--servers", type=int, default=1, help="replay server processes")
    args = parser.parse_args()
    with replay_server(FPS, servers=args.servers) as replay:
        if args.cameras:
            compare(replay, args.cameras, args.seconds, args.rounds)
        if args.steps:
            capacity(replay, [int(n) for n in args.steps.split(",")], args.hold_seconds,
                     args.reader)
    print(CAVEAT)


if __name__ == "__main__":
    main()
