"""Fixtures of the recording tests: an RTSP camera stamping its capture time, read-back."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest

from streams.record.segment import SegmentInfo
from streams.stamp import read_stamp
from tests.live import free_port

SCRIPT = Path(__file__).with_name("stamped_rtsp.py")


class StampedCamera:
    """``stamped_rtsp.py`` in a subprocess; ``kill``/``start`` keep the port."""

    def __init__(self, user: str = "rec", password: str = "s3cret@x") -> None:
        self.port, self.user, self.password = free_port(), user, password
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(SCRIPT), "--port", str(self.port),
             "--user", self.user, "--password", self.password],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "READY"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    @property
    def url(self) -> str:
        return f"rtsp://{self.user}:{self.password.replace('@', '%40')}@127.0.0.1:{self.port}/cam0"


@pytest.fixture
def stamped_camera() -> Iterator[Callable[[], StampedCamera]]:
    made: list[StampedCamera] = []

    def make() -> StampedCamera:
        cam = StampedCamera()
        cam.start()
        made.append(cam)
        return cam

    yield make
    for cam in made:
        cam.kill()


def stamps(path: Path) -> list[float]:
    """Capture times (epoch seconds) of every picture of a file, decoded end to end by PyAV;
    fails on a decoding error or a picture whose stamp is unreadable."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            ms = read_stamp(frame.to_ndarray(format="gray"))
            assert ms is not None, f"{path.name}: a picture without a readable stamp"
            out.append(ms / 1000)
    return out


def decoded(segments: list[SegmentInfo]) -> list[tuple[SegmentInfo, list[float]]]:
    return [(s, stamps(s.path)) for s in sorted(segments, key=lambda s: s.start)]
