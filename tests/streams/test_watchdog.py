"""Health rules: stall threshold, grade, status, backoff; and the stamp that measures latency."""

from __future__ import annotations

import time

import cv2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from config.cameras import CameraConfig, MotionZone
from config.streams import StreamSettings
from streams.sim import SimScene, SimSpec
from streams.stamp import read_stamp
from streams.watchdog import Measure, backoff_delay, grade, stall_threshold, status


def m(age: float | None = 0.1, fps: float = 10, expected: float | None = 10, stalls: int = 0,
      reconnects: int = 0) -> Measure:
    return Measure(True, age, fps, expected, stalls, reconnects)


def test_stall_threshold_is_two_intervals_or_two_seconds() -> None:
    assert stall_threshold(25, 2.0) == 2.0
    assert stall_threshold(0.5, 2.0) == 4.0
    assert stall_threshold(None, 2.0) == 2.0


@pytest.mark.parametrize(
    ("measure", "expected_grade", "expected_status"),
    [
        (m(), "excellent", "online"),
        (m(fps=8, reconnects=2), "fair", "online"),
        (m(fps=5, stalls=5), "poor", "degraded"),
        (m(fps=1), "unusable", "degraded"),
        (m(age=2.5), "unusable", "offline"),
        (m(age=None), "unusable", "offline"),
        (m(fps=10, reconnects=40), "unusable", "degraded"),
    ],
)
def test_grade_and_status(measure: Measure, expected_grade: str, expected_status: str) -> None:
    assert grade(measure, 2.0) == expected_grade
    assert status(measure, 2.0) == expected_status


@given(st.integers(min_value=0, max_value=1000))
def test_backoff_grows_then_caps(attempt: int) -> None:
    delay = backoff_delay(attempt, 0.5, 60.0)
    assert 0.5 <= delay <= 60.0
    assert delay <= backoff_delay(attempt + 1, 0.5, 60.0)
    assert backoff_delay(0, 0.5, 60) == 0.5 and backoff_delay(3, 0.5, 60) == 4.0


def test_stamp_survives_jpeg_and_scaling() -> None:
    ms = int(time.time() * 1000)
    frame = SimScene(SimSpec(width=640, height=360, stamp=True)).frame(7, wall_ms=ms)
    small = cv2.resize(frame.to_ndarray(format="bgr24"), (320, 180))
    jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])[1]
    assert read_stamp(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)) == ms
    unstamped = SimScene(SimSpec(width=640, height=360)).frame(7)
    assert read_stamp(unstamped.to_ndarray(format="gray")) is None


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValidationError, match="past the picture edge"):
        MotionZone(name="z", x=0.8, y=0, w=0.5, h=0.5)
    with pytest.raises(ValidationError):
        StreamSettings(tamper={"black_luma": -1})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        CameraConfig(id="a", name="a", center="532622", sub_url="sim://", bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="pattern"):
        SimSpec.parse("sim://?pattern=rainbow")
    assert StreamSettings().ice_servers == [], "no public STUN by default"


def test_backoff_caps_at_ten_seconds_by_default_and_as_configured() -> None:
    default = StreamSettings()
    assert default.reconnect_max <= 10
    delays = [backoff_delay(a, default.reconnect_initial, default.reconnect_max) for a in range(12)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0] and max(delays) == default.reconnect_max
    custom = StreamSettings(reconnect_max=3)
    assert backoff_delay(9, custom.reconnect_initial, custom.reconnect_max) == 3
    with pytest.raises(ValidationError):
        StreamSettings(reconnect_max=0)
