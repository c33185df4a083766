"""Recording cameras that give pictures only: a WHIP publisher (a real aiortc peer) and a
simulated camera. Their pictures are encoded by the recorder (H.264 at the source's size),
the segments are marked ``transcoded``, decode end to end with PyAV and cover the time the
camera was sending, read from the capture time stamped into every picture."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import av
import httpx

from streams.hub import StreamHub
from streams.record.camera import CameraRecorder
from streams.record.encode import EncodingHook
from streams.record.recorder import Recorder
from streams.record.segment import SegmentInfo, probe, recover_partial
from streams.sim import SimScene, SimSpec
from streams.sources import Delivery
from streams.stamp import read_stamp
from tests.streams.conftest import LiveServer, camera
from tests.streams.record.test_recording import policy
from tests.streams.webrtc.test_gateway import until, whip_publish


def read_back(seg: SegmentInfo) -> tuple[list[float], tuple[int, int]]:
    """Every picture decoded (an error fails the test); the stamps that read, and the size."""
    times: list[float] = []
    size = (0, 0)
    pictures = 0
    with av.open(str(seg.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        for frame in container.decode(video=0):
            pictures += 1
            size = (frame.width, frame.height)
            ms = read_stamp(frame.to_ndarray(format="gray"))
            if ms is not None:
                times.append(ms / 1000)
    assert pictures and len(times) >= 0.9 * pictures, f"{seg.path.name}: stamps unreadable"
    return times, size


def check_segments(segments: list[SegmentInfo], sent_from: float, sent_until: float,
                   size: tuple[int, int]) -> float:
    """Each segment transcoded, decodable, its index interval its pictures' own time, the
    whole run without a hole; returns the seconds covered."""
    assert segments, "nothing recorded"
    runs = sorted(segments, key=lambda s: s.start)
    covered = 0.0
    for seg in runs:
        assert seg.transcoded and seg.codec == "h264"
        found = probe(seg.path, seg.camera_id)
        assert found is not None and found.transcoded, "the file itself says it was encoded"
        times, got_size = read_back(seg)
        assert got_size == size, "encoded at the source's own resolution"
        steps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(0 < s < 1.0 for s in steps), f"{seg.path.name}: pictures out of order or a gap"
        assert abs(seg.start - times[0]) < 0.8 and abs(seg.end - times[-1]) < 0.8
        covered += times[-1] - times[0]
    for seg, nxt in zip(runs, runs[1:], strict=False):
        assert nxt.start - seg.end < 0.5, f"{seg.path.name} → {nxt.path.name}: a hole"
    assert runs[0].start - sent_from < 3.0, "recording began with the publication"
    assert sent_until - runs[-1].end < 2.0, "recording lasted until the publication ended"
    return covered


def test_whip_publisher_is_recorded(make_hub: Callable[..., StreamHub],
                                    live_server: Callable[..., LiveServer], tmp_path: Path) -> None:
    hub = make_hub([])
    server = live_server(hub)
    segments: list[SegmentInfo] = []
    recorder = Recorder(hub, policy(tmp_path, default_mode="continuous", segment_seconds=6),
                        segments.append)
    recorder.start()
    sent: list[float] = []

    async def scenario() -> None:
        publisher, location = await whip_publish(server.base, "phone-rec")
        await until(lambda: recorder.camera("phone-rec") is not None
                    and recorder.camera("phone-rec").recording, 30,  # type: ignore[union-attr]
                    "the new camera recording")
        sent.append(time.time())
        await asyncio.sleep(20)
        sent.append(time.time())
        async with httpx.AsyncClient() as client:
            assert (await client.delete(f"{server.base}{location}", timeout=10)).status_code == 200
        await publisher.close()
        await until(lambda: "phone-rec" not in hub.camera_ids(), 10, "publisher camera removed")
        await until(lambda: recorder.camera("phone-rec") is None, 10, "recorder detached")

    try:
        asyncio.run(scenario())
    finally:
        recorder.stop()
    assert not list(tmp_path.glob("*/*/*.part")), "every segment closed when the camera went"
    covered = check_segments(segments, sent[0], sent[1], (320, 240))
    assert covered > 17, f"only {covered:.1f} s of the 20 s published"
    assert len(segments) >= 3, "segments rotate at keyframes made by the recorder"


def test_simulated_camera_is_recorded(make_hub: Callable[..., StreamHub], tmp_path: Path) -> None:
    hub = make_hub([camera("sim-rec", "sim://?w=320&h=180&fps=10&stamp=1", tamper=False)])
    segments: list[SegmentInfo] = []
    recorder = Recorder(hub, policy(tmp_path, default_mode="continuous", segment_seconds=3),
                        segments.append)
    started = time.time()
    recorder.start()
    try:
        time.sleep(8)
    finally:
        ended = time.time()
        recorder.stop()
    covered = check_segments(segments, started, ended, (320, 180))
    assert covered > 6.5, f"only {covered:.1f} s of 8"


def test_a_new_picture_size_starts_a_new_segment_and_a_torn_one_stays_transcoded(tmp_path: Path) -> None:
    """A publisher changing its picture size: a new encoder, a new segment, each at its own
    size. A segment left unfinished (the process died) is recovered still marked encoded."""
    segments: list[SegmentInfo] = []
    rec = CameraRecorder("phone", "continuous", tmp_path, segment_seconds=60, pre_seconds=0,
                         post_seconds=0, on_segment=segments.append, transcoded=True)
    hook = EncodingHook(rec, fps=10)
    # The second size lasts past a keyframe (every 2 s): its first fragment is on the disk.
    for n, size in enumerate([(320, 240)] * 10 + [(160, 120)] * 26):
        scene = SimScene(SimSpec(width=size[0], height=size[1], fps=10, stamp=True))
        hook(Delivery(frame=scene.frame(n, wall_ms=int(time.time() * 1000))))
        time.sleep(0.1)
    part = rec.open_segment()
    assert part is not None and part.transcoded
    torn = part.path.with_name("phone_1.mp4.part")
    shutil.copy(part.path, torn)  # the open segment as a killed process leaves it
    hook.close()
    assert [read_back(s)[1] for s in sorted(segments, key=lambda s: s.start)] == [(320, 240), (160, 120)]
    assert all(s.transcoded for s in segments)
    recovered = recover_partial(torn, "phone")
    assert recovered is not None and recovered.transcoded and not torn.exists()
