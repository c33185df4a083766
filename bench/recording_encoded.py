"""Recording cameras without packets (simulated here, WHIP alike): what encoding costs.

Simulated cameras (640×360 @ 10 fps by default) in alternating windows of the same run:
held health-only (nothing drawn), with their pictures wanted by a hook that does nothing
(every picture drawn, as recording needs), then each recorded continuously, its pictures
encoded by the recorder (libx264, veryfast, zero latency, the modest bitrate of
``streams.record.encode``) into segments. Printed: CPU of this process per camera in each
mode, the ratios recorded ÷ pictures-only and recorded ÷ health-only, the CPU the encoding
adds per camera, the disk written, and what two cores would hold at that cost (an
extrapolation, not a measured count).

    python bench/recording_encoded.py [--cameras 8] [--seconds 10] [--rounds 3]
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

from config.cameras import CameraConfig  # noqa: E402
from config.recording import RecordingPolicy  # noqa: E402
from config.streams import StreamSettings  # noqa: E402
from streams.hub import StreamHub  # noqa: E402
from streams.record.recorder import Recorder  # noqa: E402
from streams.record.segment import SegmentInfo  # noqa: E402
from streams.sources import Delivery  # noqa: E402


def cpu_window(seconds: float) -> float:
    cpu0 = time.process_time()
    time.sleep(seconds)
    return time.process_time() - cpu0


def pictures_only(hub: StreamHub, seconds: float) -> float:
    """CPU while every camera's pictures are drawn for a hook that does nothing with them."""
    def nothing(item: Delivery) -> None:
        return None

    hooks = [(s, s.add_packet_hook(nothing, frames=True))
             for s in (hub.camera(cid).sub for cid in hub.camera_ids())]
    time.sleep(1.0)
    try:
        return cpu_window(seconds)
    finally:
        for stream, key in hooks:
            stream.remove_packet_hook(key)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cameras", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--size", default="640x360", help="WxH of the simulated pictures")
    p.add_argument("--fps", type=float, default=10.0)
    args = p.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    url = f"sim://?w={width}&h={height}&fps={args.fps:g}"
    root = Path(tempfile.mkdtemp(prefix="zz-rec-enc-bench-"))
    policy = RecordingPolicy(default_mode="continuous", segment_seconds=4,
                             storage=[{"path": root, "quota_gb": 100}])  # type: ignore[list-item]
    cameras = [CameraConfig(id=f"s{i}", name=f"s{i}", center="532622", sub_url=url, tamper=False)
               for i in range(args.cameras)]
    hub = StreamHub(cameras, StreamSettings())
    hub.start_sync()
    idle, drawn, recorded, written = [], [], [], []
    try:
        time.sleep(2)
        for _ in range(args.rounds):
            idle.append(cpu_window(args.seconds))
            drawn.append(pictures_only(hub, args.seconds))
            segments: list[SegmentInfo] = []
            recorder = Recorder(hub, policy, segments.append)
            recorder.start()
            time.sleep(1.0)
            recorded.append(cpu_window(args.seconds))
            recorder.stop()
            written.append(sum(s.size for s in segments))
            per = lambda cpu: 100 * cpu / args.seconds / args.cameras  # noqa: E731
            print(f"  round: health-only {per(idle[-1]):.2f} % of a core per camera, pictures drawn "
                  f"{per(drawn[-1]):.2f} %, recorded (encoded) {per(recorded[-1]):.2f} %, "
                  f"{len(segments)} segments, {written[-1] / 1e6:.1f} MB")
            time.sleep(1.0)
    finally:
        hub.stop_sync()
        shutil.rmtree(root, ignore_errors=True)
    med = statistics.median
    per_cam = med(r / args.seconds / args.cameras for r in recorded)
    added = med((r - d) / args.seconds / args.cameras for r, d in zip(recorded, drawn, strict=True))
    print(f"{args.cameras} simulated cameras {width}x{height}@{args.fps:g}, median of {args.rounds} "
          "alternating rounds:")
    print(f"  recorded ÷ pictures-only CPU: {med(r / d for r, d in zip(recorded, drawn, strict=True)):.2f}; "
          f"recorded ÷ health-only: {med(r / i for r, i in zip(recorded, idle, strict=True)):.2f}")
    print(f"  encoding adds {100 * added:.2f} % of a core per camera; a recorded camera costs "
          f"{100 * per_cam:.2f} % in all; two cores would hold ~{2 / per_cam:.0f} (extrapolated); "
          f"disk {med(written) / args.seconds / args.cameras / 1e3:.1f} kB/s per camera")
    print(CAVEAT)


if __name__ == "__main__":
    main()
