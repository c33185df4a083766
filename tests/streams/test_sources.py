"""Sources other than RTSP: video files (MP4 and MPEG-TS) and the simulated camera."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from streams.hub import StreamHub
from streams.sim import SimScene, SimSpec
from streams.sources import SourceError, ffmpeg_options, open_source
from tests.streams.conftest import camera, fast_settings
from tests.streams.test_rtsp import wait_for


def clip(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=10", "-t", "2", "-c:v", "libx264", "-g", "10",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


@pytest.mark.parametrize(("name", "passthrough"), [("clip.mp4", False), ("clip.ts", True)])
def test_video_files_play_and_loop(tmp_path: Path, make_hub: Callable[..., StreamHub],
                                   name: str, passthrough: bool) -> None:
    path = clip(tmp_path / name)
    hub = make_hub([camera("file", str(path))])
    stream = hub.camera("file").sub
    wait_for(lambda: stream.meter.frames_in >= 25, 20, "the 20-frame clip looped")
    assert stream.codec == "h264" and stream.meter.reconnects_total == 0, "looped, not reopened"
    # MP4 carries length-prefixed H.264, which WebRTC cannot take as-is; MPEG-TS is Annex B.
    assert stream.passthrough is passthrough
    jpeg = hub.snapshot("file")
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"


def test_missing_file_and_bad_sim_fail_clearly(tmp_path: Path) -> None:
    import threading

    stop = threading.Event()
    with pytest.raises(SourceError, match="file not found: nope.mp4"):
        open_source(str(tmp_path / "nope.mp4"), fast_settings(), stop)
    with pytest.raises(SourceError, match="fps"):
        open_source("sim://?fps=0", fast_settings(), stop)


def test_rtsp_options_use_tcp_short_probe_and_timeouts() -> None:
    options = ffmpeg_options("rtsp://cam/x", fast_settings(read_timeout=4))
    assert options["rtsp_transport"] == "tcp" and options["timeout"] == "4000000"
    assert int(options["analyzeduration"]) <= 1_000_000
    assert "rtsp_transport" not in ffmpeg_options("http://cam/x.mjpg", fast_settings())


def test_simulated_cameras_with_different_labels_do_not_play_in_step() -> None:
    def luma(label: str, n: int) -> np.ndarray:
        spec = SimSpec.parse(f"sim://?w=320&h=180&label={label}")
        return SimScene(spec).frame(n).to_ndarray()[:180]

    assert np.array_equal(luma("gate", 5), luma("gate", 5)), "one camera draws the same frame"
    assert not np.array_equal(luma("gate", 5)[40:], luma("plaza", 5)[40:]), \
        "two cameras at the same moment show different pictures (label rows left out)"


def test_a_simulated_camera_s_label_stays_put_while_the_scene_moves() -> None:
    scene = SimScene(SimSpec.parse("sim://?w=320&h=180&label=gate"))
    corner = (slice(0, 30), slice(0, 120))  # above the moving box's reach
    first, later = (scene.frame(n).to_ndarray()[:180][corner] == 235 for n in (5, 40))
    assert first.sum() > 50, "the label is drawn"
    assert (first & later).sum() >= 0.95 * first.sum(), "the label did not move"
    assert not np.array_equal(scene.frame(5).to_ndarray(), scene.frame(40).to_ndarray())
