"""Recording by copy: what continuous recording adds to a camera held health-only.

Cameras are RTSP clients of the replay test server (``tests/streams/replay_rtsp.py``: 640×360
@ 5 fps H.264, a keyframe every 2 s, encoded once). Alternating windows in the same run: the
cameras held health-only (nobody watching; on the light path by default), then the same
cameras each recorded continuously by copying its packets into fragmented MP4 segments
(``segment_seconds`` short so rotations are included; on the light path a recorded camera
stays there, its MP4 track made from the codec and size of its first keyframe; with
``--reader ffmpeg`` FFmpeg's demuxer stream is the template). Held while recorded: every camera
wrote segments and received at least 90 % of its frames. Printed: CPU of this process per camera in each mode, recorded ÷ health-only, the
CPU one recording adds per camera, the disk written, and what two cores would hold at that
cost (an extrapolation, not a measured count).

    python bench/recording.py [--cameras 300] [--seconds 10] [--rounds 3] [--reader light]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CAVEAT  # noqa: E402
from _replay import replay_server  # noqa: E402
from health_only import loadavg  # noqa: E402

from config.cameras import CameraConfig  # noqa: E402
from config.recording import RecordingPolicy  # noqa: E402
from config.streams import StreamSettings  # noqa: E402
from streams.hub import StreamHub  # noqa: E402
from streams.record.recorder import Recorder  # noqa: E402
from streams.record.segment import SegmentInfo  # noqa: E402

FPS = 5


def start(urls: list[str], reader: str) -> StreamHub:
    cameras = [CameraConfig(id=f"r{i}", name=f"r{i}", center="532622", sub_url=url, fps=FPS)
               for i, url in enumerate(urls)]
    hub = StreamHub(cameras, StreamSettings(connect_timeout=20, read_timeout=10, rtsp_reader=reader))
    hub.start_sync()
    deadline = time.monotonic() + 30 + len(urls) / 5
    while time.monotonic() < deadline and not all(h.status == "online" for h in hub.health()):
        time.sleep(0.5)
    time.sleep(2)
    return hub


def cpu_window(seconds: float) -> float:
    cpu0 = time.process_time()
    time.sleep(seconds)
    return time.process_time() - cpu0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cameras", type=int, default=32)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--segment-seconds", type=float, default=4.0)
    p.add_argument("--reader", choices=("light", "ffmpeg"), default="light",
                   help="how cameras not recorded are read")
    p.add_argument("--servers", type=int, default=1, help="replay server processes")
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="zz-rec-bench-"))
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=args.segment_seconds,
                             storage=[{"path": root, "quota_gb": 100}])  # type: ignore[list-item]
    idle, recorded, written, held = [], [], [], []
    try:
        with replay_server(FPS, servers=args.servers) as replay:
            hub = start(replay.urls(args.cameras), args.reader)
            try:
                for _ in range(args.rounds):
                    idle.append(cpu_window(args.seconds))
                    segments: list[SegmentInfo] = []
                    recorder = Recorder(hub, policy, segments.append)
                    recorder.start()
                    time.sleep(4.0)  # reopened by FFmpeg; the first segment opens at a keyframe
                    subs = [hub.camera(cid).sub for cid in hub.camera_ids()]
                    before = [s.meter.frames_in for s in subs]
                    recorded.append(cpu_window(args.seconds))
                    slowest = min(s.meter.frames_in - b for s, b in zip(subs, before, strict=True))
                    recorder.stop()
                    written.append(sum(s.size for s in segments))
                    cams = len({s.camera_id for s in segments})
                    held.append(cams == args.cameras and slowest / args.seconds >= 0.9 * FPS)
                    print(f"  recorded window: {cams} of {args.cameras} cameras wrote segments, the "
                          f"slowest received {slowest / args.seconds:.1f} of {FPS} fps -> "
                          f"{'held' if held[-1] else 'NOT held'}; load {loadavg()}")
                    time.sleep(5.0)  # back on the health-only path (reopened, at a keyframe)
                    per = lambda cpu: 100 * cpu / args.seconds / args.cameras  # noqa: E731
                    print(f"  round: health-only {per(idle[-1]):.3f} % of a core per camera, "
                          f"recorded {per(recorded[-1]):.3f} %, ratio {recorded[-1] / idle[-1]:.2f}, "
                          f"{len(segments)} segments, {written[-1] / 1e6:.1f} MB")
                online = sum(1 for h in hub.health() if h.status == "online")
            finally:
                hub.stop_sync()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ratio = statistics.median(r / i for r, i in zip(recorded, idle, strict=True))
    added = statistics.median((r - i) / args.seconds / args.cameras for r, i in zip(recorded, idle, strict=True))
    per_cam = statistics.median(r / args.seconds / args.cameras for r in recorded)
    print(f"{args.cameras} cameras 640x360@{FPS} H.264 over RTSP ({online} online at the end), "
          f"median of {args.rounds} alternating rounds:")
    print(f"  recorded ÷ health-only CPU: {ratio:.2f}; recording adds {100 * added:.3f} % of a "
          f"core per camera; a recorded camera costs {100 * per_cam:.3f} % in all")
    print(f"  recorded cameras held in {sum(held)} of {len(held)} rounds "
          f"({args.cameras} cameras, health-only path: {args.reader})")
    print(f"  at that cost two cores would hold ~{2 / per_cam:.0f} recorded cameras (extrapolated); "
          f"disk {statistics.median(written) / args.seconds / args.cameras / 1e3:.1f} kB/s per camera")
    print(CAVEAT)


if __name__ == "__main__":
    main()
