"""An alert's clip holds the seconds before the alert (pre-event buffer, no continuous
recording), cut by copy; its export carries the time and camera name burned in."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import numpy as np
import pytest

from config.recording import RecordingPolicy
from streams.hub import StreamHub
from streams.record.clip import NoRecording, cut, export_burned
from streams.record.recorder import Recorder
from streams.record.segment import SegmentInfo
from tests.streams.conftest import camera, fast_settings
from tests.streams.record.conftest import StampedCamera, stamps

pytestmark = pytest.mark.rtsp


def test_alert_clip_starts_before_the_alert(stamped_camera: Callable[[], StampedCamera],
                                            tmp_path: Path) -> None:
    cam = stamped_camera()
    hub = StreamHub([camera("cam", cam.url, tamper=False)], fast_settings())
    hub.start_sync()
    segments: list[SegmentInfo] = []
    policy = RecordingPolicy(default_mode="events", pre_event_seconds=3, post_event_seconds=2,
                             storage=[{"path": tmp_path, "quota_gb": 1}])  # type: ignore[list-item]
    recorder = Recorder(hub, policy, segments.append)
    recorder.start()
    try:
        time.sleep(5)
        assert not list(tmp_path.glob("*/*/*.mp4*")), "events mode writes nothing before an event"
        alert = time.time()
        assert recorder.trigger("cam", alert)
        time.sleep(4)  # the post-event time ends: the segment closes
    finally:
        recorder.stop()
        hub.stop_sync()
    assert len(segments) == 1
    seg = segments[0]
    assert seg.start < alert - 1.9 and seg.end > alert + 1.5

    clip = cut(segments, alert - 2, alert + 1, tmp_path / "clip.mp4")
    times = stamps(clip.path)
    # From the keyframe at or before 2 s ahead of the alert (one GOP is 1 s here).
    assert alert - 3.2 < times[0] <= alert - 2 + 0.15
    assert alert + 0.5 <= times[-1] <= alert + 1.2  # stamps lead arrival by the latency
    assert all(0 < b - a < 0.5 for a, b in zip(times, times[1:], strict=False))
    assert abs(clip.start - times[0]) < 0.6
    with pytest.raises(NoRecording):
        cut(segments, alert - 60, alert - 30, tmp_path / "none.mp4")

    exported = export_burned(clip, "南门 摄像机", ZoneInfo("Asia/Shanghai"), tmp_path / "export.mp4")
    assert exported.sha256 != clip.sha256
    with av.open(str(exported.path)) as container:
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    assert len(frames) == len(times)
    # The caption band at the foot: dark ground with bright characters, unlike the picture.
    foot = frames[0][-30:]
    assert (foot < 40).mean() > 0.5 and (foot > 150).sum() > 200
    assert np.abs(frames[0][-30:].astype(int) - frames[-1][-30:].astype(int)).max() > 0, \
        "the burned-in time moves with the video"


def test_a_hold_records_while_it_lasts(stamped_camera: Callable[[], StampedCamera],
                                       tmp_path: Path) -> None:
    """A case open with the camera holds an events-mode recording until it is released."""
    cam = stamped_camera()
    hub = StreamHub([camera("cam", cam.url, tamper=False)], fast_settings())
    hub.start_sync()
    segments: list[SegmentInfo] = []
    policy = RecordingPolicy(default_mode="events", pre_event_seconds=1, post_event_seconds=1,
                             storage=[{"path": tmp_path, "quota_gb": 1}])  # type: ignore[list-item]
    recorder = Recorder(hub, policy, segments.append)
    recorder.start()
    try:
        time.sleep(3)
        held = time.time()
        recorder.hold("cam", "case:7")
        time.sleep(4)
        released = time.time()
        recorder.release("cam", "case:7")
        time.sleep(2)
    finally:
        recorder.stop()
        hub.stop_sync()
    assert len(segments) == 1
    times = stamps(segments[0].path)
    assert times[0] < held and released - 0.5 < times[-1] < released + 0.5
