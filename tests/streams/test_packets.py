"""The light RTSP path on real RTSP servers with real H.264: many cameras on one thread, health
from packets, recording by copy from the same packets, and no password in any error."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest

from streams.hub import StreamHub
from streams.packets import PacketSource
from streams.record.segment import SegmentWriter
from streams.sources import Delivery, MuxTemplate
from tests.live import free_port
from tests.streams.conftest import RtspServer, camera, fast_settings
from tests.streams.test_rtsp import wait_for

pytestmark = pytest.mark.rtsp
REPLAY = Path(__file__).with_name("replay_rtsp.py")


@pytest.fixture
def replay() -> Iterator[str]:
    """The replay server (640×360 @ 5 fps, a keyframe every 2 s); yields its camera URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPLAY), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        yield f"rtsp://127.0.0.1:{port}/cam0"
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_many_health_only_cameras_share_one_thread_and_wake_readers_only_for_keyframes(
    replay: str, make_hub: Callable[..., StreamHub]
) -> None:
    count = 24
    hub = make_hub([camera(f"c{i}", replay, fps=5) for i in range(count)],
                   fast_settings(key_seconds=2, read_timeout=5))
    wait_for(lambda: all(h.status == "online" for h in hub.health()), 20, "every camera online")
    assert [t.name for t in threading.enumerate()].count("streams:packets") == 1
    subs = [hub.camera(f"c{i}").sub for i in range(count)]
    assert all(isinstance(s.source, PacketSource) for s in subs)
    before = [(s.meter.frames_in, s.decoded_frames) for s in subs]
    reads = [0] * count
    for i, s in enumerate(subs):  # count what reaches each reader thread
        original = s.source.read  # type: ignore[union-attr]

        def counted(mode: str, i: int = i, original: Callable[..., Delivery | None] = original) -> Delivery | None:
            reads[i] += 1
            return original(mode)
        s.source.read = counted  # type: ignore[union-attr,method-assign]
    time.sleep(6)
    for s, (frames0, decoded0), woken in zip(subs, before, reads, strict=True):
        frames, decoded = s.meter.frames_in - frames0, s.decoded_frames - decoded0
        assert frames >= 0.9 * 5 * 6 - 2, f"{s.camera_id}: {frames} packets in 6 s at 5 fps"
        assert 1 <= decoded <= 4, f"one keyframe every 2 s for tamper, got {decoded}"
        assert woken <= 8, f"the reader was woken {woken} times for {frames} packets"
    assert all(h.status == "online" and h.fps_in >= 4.5 for h in hub.health())


def test_a_recorded_camera_stays_on_the_light_path_and_its_segments_play(
    replay: str, make_hub: Callable[..., StreamHub], tmp_path: Path
) -> None:
    """Recording copies the light path's packets: no switch to FFmpeg's demuxer, no reader
    woken for decoding, and the segment written from them decodes end to end at its size."""
    hub = make_hub([camera("rec", replay, fps=5, tamper=False)], fast_settings(read_timeout=5))
    wait_for(lambda: hub.health()[0].status == "online", 15, "online")
    stream = hub.camera("rec").sub
    source = stream.source
    assert isinstance(source, PacketSource)
    copied: list[Delivery] = []
    key = stream.add_packet_hook(copied.append, frames=False)
    try:
        wait_for(lambda: sum(d.keyframe for d in copied) >= 2, 10, "two keyframes copied")
    finally:
        stream.remove_packet_hook(key)
    assert stream.source is source, "the same light session: no switch, no reconnect"
    assert stream.decoded_frames == 0, "copying packets decodes nothing"
    assert all(d.packet is not None and d.packet.stream is None for d in copied)
    first_key = next(i for i, d in enumerate(copied) if d.keyframe)
    template = copied[first_key].template
    assert isinstance(template, MuxTemplate)
    assert (template.codec, template.width, template.height) == ("h264", 640, 360)
    assert all(d.template is template for d in copied[first_key:]), "one template a connection"

    out = tmp_path / "cam" / "seg.mp4"
    writer = SegmentWriter("cam", out, template, time.time())
    for d in copied[first_key:]:
        assert d.packet is not None
        writer.write(d.packet, d.packet.time_base, time.time())
    info = writer.close()
    assert info is not None and info.codec == "h264"
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (640, 360)
        pictures = sum(1 for _ in container.decode(video))
    assert pictures == len(copied) - first_key
    health = hub.health()[0]
    assert health.status == "online" and health.reconnects_last_hour == 0


def test_a_wrong_password_is_named_without_the_password(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub],
    caplog: pytest.LogCaptureFixture
) -> None:
    server = rtsp_server("--user", "admin", "--password", "right-pw-5521")
    hub = make_hub([camera("good", server.url(userinfo="admin:right-pw-5521@")),
                    camera("bad", server.url(userinfo="admin:wrong-pw-7713@"))])
    wait_for(lambda: hub.camera("bad").sub.error is not None, 10, "the refusal")
    wait_for(lambda: isinstance(hub.camera("good").sub.source, PacketSource)
             and hub.camera("good").sub.meter.frames_in > 5, 10, "the good camera's packets")
    error = hub.camera("bad").sub.error or ""
    assert "401" in error or "nauthori" in error, error
    everything = error + caplog.text + str([h for h in hub.health()])
    assert "wrong-pw-7713" not in everything and "right-pw-5521" not in everything
