"""Recording a real RTSP camera (GStreamer, x264, with credentials) by copying its packets:
across a camera outage, a clean restart and a killed process, every segment decodes end to
end and the pictures run without a gap beyond the outage."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from config.recording import RecordingPolicy
from streams.hub import StreamHub
from streams.record.recorder import Recorder
from streams.record.segment import SegmentInfo
from tests.streams.conftest import camera, fast_settings
from tests.streams.record.conftest import StampedCamera, decoded

pytestmark = pytest.mark.rtsp
ROOT = Path(__file__).resolve().parents[3]


def policy(root: Path, **kw: object) -> RecordingPolicy:
    return RecordingPolicy(storage=[{"path": root, "quota_gb": 1}], **kw)  # type: ignore[list-item, arg-type]


def record(url: str, root: Path, seconds: float, segments: list[SegmentInfo],
           during: Callable[[], None] | None = None, **kw: object) -> Recorder:
    hub = StreamHub([camera("cam", url, tamper=False)], fast_settings())
    hub.start_sync()
    recorder = Recorder(hub, policy(root, default_mode="continuous", segment_seconds=2, **kw),
                        segments.append)
    recorder.start()  # passes the segments it recovers to segments.append
    try:
        time.sleep(seconds)
        if during is not None:
            during()
    finally:
        recorder.stop()
        hub.stop_sync()
    return recorder


def test_segments_survive_outage_restart_and_kill(stamped_camera: Callable[[], StampedCamera],
                                                  tmp_path: Path) -> None:
    cam = stamped_camera()
    segments: list[SegmentInfo] = []
    outage: list[tuple[float, float]] = []

    def camera_outage() -> None:
        down = time.time()
        cam.kill()
        time.sleep(2)
        cam.start()
        outage.append((down, time.time()))
        time.sleep(4)

    run_of: dict[str, int] = {}  # segment file → the run that wrote it

    def mark(run: int) -> None:
        for seg in segments:
            run_of.setdefault(seg.path.name, run)

    record(cam.url, tmp_path, 4, segments, during=camera_outage)  # first run, clean stop
    mark(1)
    record(cam.url, tmp_path, 3, segments)  # the server restarted
    mark(2)
    # A run killed mid-segment leaves a .part file; the next start repairs and indexes it.
    proc = subprocess.Popen([sys.executable, "-m", "tests.streams.record.crash_recorder", cam.url,
                             str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "RECORDING"
        time.sleep(3)
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert len(list(tmp_path.glob("*/*/*.part"))) == 1
    before = len(segments)
    record(cam.url, tmp_path, 2, segments)
    run_of[segments[before].path.name] = 3  # the killed run's, repaired at the next start
    mark(4)
    assert not list(tmp_path.glob("*/*/*.part"))
    recovered = segments[before]
    assert recovered.duration > 1.5, "the killed run's pictures up to its last fragment are kept"

    files = sorted(p.name for p in tmp_path.glob("*/*/*.mp4"))
    assert files == sorted(s.path.name for s in segments)
    runs = decoded(segments)
    assert len(runs) >= 7
    down, up = outage[0]
    for seg, times in runs:
        assert times, f"{seg.path.name} holds no picture"
        steps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(0 < s < 0.5 for s in steps), f"{seg.path.name}: pictures out of order or a gap"
        # The index's interval is the pictures' own capture time (within a frame and latency).
        assert abs(seg.start - times[0]) < 0.6 and abs(seg.end - times[-1]) < 0.8
    for (seg, times), (nxt, later) in zip(runs, runs[1:], strict=False):
        gap = later[0] - times[-1]
        if times[-1] < down < later[0]:
            assert gap < (up - down) + 3, "recording resumed within seconds of the camera's return"
        elif run_of[seg.path.name] == run_of[nxt.path.name]:  # cut by time within one run
            assert gap < 0.3, f"{seg.path.name} → {nxt.path.name}: {gap:.2f} s missing"
