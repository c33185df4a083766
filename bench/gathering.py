"""Gathering detection: precision and recall of the people counter, and cameras per core.

1. The labelled set (``tests/streams/people_labels.json``: people in frames of OpenCV's
   pedestrian sample, plus pictures without anyone), scored at several detector widths.
2. CPU per analysed picture of a 640×360 sub-stream, by detector width.
3. The real pipeline: N cameras playing a 640×360 @ 5 fps H.264 clip of a gathering in the
   hub, with gathering detection at ``--fps`` pictures a second, against the same cameras
   without it (health and tamper only), in alternating rounds of the same run. Cameras per
   core = 1 ÷ (extra CPU-seconds per camera-second).

    python bench/gathering.py [--cameras 4] [--seconds 20] [--fps 1] [--rounds 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import CAVEAT  # noqa: E402

WIDTHS = (640, 768, 960, 1152)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def labelled(widths: tuple[int, ...]) -> None:
    from streams.people import detect
    from tests.streams.people_set import Score, labelled_frames, score

    frames = labelled_frames()
    people = sum(len(f.people) for f in frames)
    print(f"labelled set: {len(frames)} pictures ({sum(f.index < 0 for f in frames)} without "
          f"anyone), {people} people ≥ 70 px, {sum(len(f.ignore) for f in frames)} ignored")
    print(f"{'width':>6} {'precision':>9} {'recall':>6} {'right':>5} {'wrong':>5} {'missed':>6}")
    for width in widths:
        total = Score()
        for frame in frames:
            score(frame, detect(frame.grey, width), total)
        print(f"{width:>6} {total.precision:>9.3f} {total.recall:>6.3f} {total.right:>5} "
              f"{total.wrong:>5} {total.missed:>6}")


def sub_stream_picture():  # noqa: ANN201 - numpy array
    import cv2

    from tests.streams.test_gathering import group_scene

    return cv2.resize(group_scene(5), (640, 360), interpolation=cv2.INTER_AREA)


def per_picture(widths: tuple[int, ...], reps: int = 10) -> None:
    from streams.people import detect

    grey = sub_stream_picture()
    print("640×360 picture, CPU per analysis (all threads of the process):")
    for width in widths:
        detect(grey, width)
        start = cpu()
        for _ in range(reps):
            detect(grey, width)
        spent = (cpu() - start) / reps
        print(f"  detector width {width:>5}: {spent * 1000:6.0f} ms CPU → "
              f"{1 / spent:5.1f} analyses per CPU-second")


def write_clip(path: Path, seconds: int = 12) -> None:
    import av
    import cv2

    from tests.streams.people_set import plaza
    from tests.streams.test_gathering import group_scene, yuv

    scenes = [cv2.resize(plaza(), (640, 360), interpolation=cv2.INTER_AREA)] * 10
    scenes += [cv2.resize(group_scene(5, s), (640, 360), interpolation=cv2.INTER_AREA)
               for s in (0, 1, 2, 1, 0) * (seconds - 2)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"g": "10"}
        for grey in scenes:
            for packet in stream.encode(yuv(grey)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def pipeline(clip: Path, cameras: int, seconds: float, fps: float, gathering: bool,
             width: int) -> tuple[float, int]:
    from config.cameras import CameraConfig
    from config.streams import StreamSettings
    from streams.hub import StreamHub

    zone = {"name": "z", "points": [[0.4, 0.2], [1, 0.2], [1, 0.9], [0.4, 0.9]],
            "min_people": 4, "hold_seconds": 3}
    cams = [CameraConfig(id=f"g{i}", name=f"g{i}", center="532622", sub_url=str(clip), fps=5,
                         gathering={"fps": fps, "detect_width": width, "zones": [zone]}
                         if gathering else None)
            for i in range(cameras)]
    hub = StreamHub(cams, StreamSettings())
    events: list[object] = []
    hub.subscribe(lambda e: events.append(e) if e.kind == "gathering" else None)
    hub.start_sync()
    try:
        time.sleep(3)  # streams open, first pictures
        start_cpu, start = cpu(), time.monotonic()
        time.sleep(seconds)
        spent = (cpu() - start_cpu) / (time.monotonic() - start)
        analysed = sum(d.analysed for i in range(cameras) if (d := hub.gathering(f"g{i}")))
    finally:
        hub.stop_sync()
    return spent, analysed if gathering else len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--fps", type=float, default=1.0, help="analysed pictures per second")
    parser.add_argument("--width", type=int, default=960, help="detector width")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-set", action="store_true", help="skip the labelled set")
    args = parser.parse_args()
    print(CAVEAT)
    if not args.skip_set:
        labelled(WIDTHS)
    per_picture((640, 960))
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "gathering.mp4"
        write_clip(clip)
        with_, without, analysed = 0.0, 0.0, 0
        for _ in range(args.rounds):
            base, _ = pipeline(clip, args.cameras, args.seconds, args.fps, False, args.width)
            used, n = pipeline(clip, args.cameras, args.seconds, args.fps, True, args.width)
            without, with_, analysed = without + base, with_ + used, analysed + n
            print(f"  round: {args.cameras} cameras, CPU {base:.2f} cores without → {used:.2f} "
                  f"with gathering ({n} pictures analysed)")
        extra = (with_ - without) * args.seconds  # CPU-seconds the counting cost, all rounds
        per_analysis = extra / max(1, analysed)
        rate = analysed / (args.rounds * args.seconds * args.cameras)
        print(f"gathering, detector width {args.width}: {per_analysis * 1000:.0f} ms CPU per "
              f"analysed picture (pictures analysed {rate:.2f}/s per camera of {args.fps:g} "
              "asked: a busy machine drops the surplus, never the reader's pictures)")
        for fps in (1.0, 2.0):
            print(f"  at {fps:g} picture/s: {1 / (per_analysis * fps):.1f} cameras analysed per core")

if __name__ == "__main__":
    main()
