"""Tamper checks on real pictures: black, frozen, blurred, motion in a zone; and as events."""

from __future__ import annotations

from collections.abc import Callable

import av
import cv2
import numpy as np

from config.cameras import MotionZone
from config.streams import TamperSettings
from streams.hub import StreamHub
from streams.sim import SimScene, SimSpec
from streams.tamper import TamperDetector
from streams.types import CameraEvent
from tests.streams.conftest import camera, fast_settings
from tests.streams.test_rtsp import wait_for

SETTINGS = TamperSettings(hold_seconds=2.0, repeat_seconds=60.0)


def run(pattern: str, zones: list[MotionZone] | None = None, frames: int = 40,
        fps: float = 10.0) -> list[tuple[float, str]]:
    """Feed ``frames`` simulated pictures at ``fps`` (simulated time); return the reports."""
    reports: list[tuple[float, str]] = []
    now = [0.0]
    detector = TamperDetector(SETTINGS, zones or [],
                              lambda detail, frame: reports.append((now[0], detail)))
    scene = SimScene(SimSpec(width=320, height=180, fps=fps, pattern=pattern))
    for n in range(frames):
        now[0] = n / fps
        detector.check(scene.frame(n), now[0])
    return reports


def test_a_normal_scene_raises_nothing() -> None:
    assert run("scene") == []


def test_black_picture_reported_once_after_holding() -> None:
    reports = run("black")
    assert [d for _, d in reports] == ["black"], "black is not also reported as blur/frozen"
    assert reports[0][0] >= SETTINGS.hold_seconds


def test_frozen_picture() -> None:
    assert [d for _, d in run("still")] == ["frozen"]


def test_heavy_blur() -> None:
    details = {d for _, d in run("blur")}
    assert "blur" in details


def test_blurred_real_scene_detected_sharp_one_not() -> None:
    scene = SimScene(SimSpec(width=320, height=180, pattern="scene"))
    sharp = scene.frame(1)
    blurred_bgr = cv2.GaussianBlur(sharp.to_ndarray(format="bgr24"), (0, 0), 12)
    blurred = av.VideoFrame.from_ndarray(blurred_bgr, format="bgr24")
    reports: list[str] = []
    detector = TamperDetector(TamperSettings(hold_seconds=0), [], lambda d, f: reports.append(d))
    detector.check(sharp, 0.0)
    assert "blur" not in reports
    detector.check(blurred, 0.1)
    assert "blur" in reports


def test_motion_only_inside_configured_zones() -> None:
    still_zone = MotionZone(name="gate", x=0.0, y=0.0, w=0.3, h=0.3)
    # In a still picture nothing moves; in the scene the texture and box move everywhere.
    assert all(d != "motion:gate" for _, d in run("still", [still_zone], frames=30))
    moving = run("scene", [still_zone], frames=5)
    assert ("motion:gate" in [d for _, d in moving]) and moving[0][0] <= 0.2


def test_tamper_events_carry_a_snapshot(make_hub: Callable[..., StreamHub]) -> None:
    events: list[CameraEvent] = []
    settings = fast_settings(tamper=TamperSettings(hold_seconds=0.3))
    hub = make_hub([camera("dark", "sim://?w=320&h=180&fps=10&pattern=black")], settings)
    hub.subscribe(events.append)
    wait_for(lambda: any(e.kind == "tamper" for e in events), 10, "tamper event")
    event = next(e for e in events if e.kind == "tamper")
    assert (event.camera_id, event.center, event.detail) == ("dark", "532622", "black")
    assert event.snapshot_jpeg is not None
    picture = cv2.imdecode(np.frombuffer(event.snapshot_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert picture.shape == (180, 320) and picture.mean() < 30


def test_small_object_moving_on_a_still_scene_is_not_frozen() -> None:
    reports: list[str] = []
    detector = TamperDetector(TamperSettings(hold_seconds=0), [], lambda d, f: reports.append(d))
    base = SimScene(SimSpec(width=320, height=180, pattern="still")).frame(0).to_ndarray(format="bgr24")
    for n in range(10):
        img = base.copy()
        cv2.circle(img, (20 + 8 * n, 90), 6, (255, 255, 255), -1)  # a small ball crossing
        detector.check(av.VideoFrame.from_ndarray(img, format="bgr24"), n / 10)
    assert "frozen" not in reports
