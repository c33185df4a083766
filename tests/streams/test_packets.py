"""The light RTSP path on real RTSP servers with real H.264: many cameras on one thread, health
from packets, the switch to FFmpeg's demuxer while a consumer copies packets, and no password
in any error."""

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
from streams.sources import AvSource, Delivery
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


def test_a_camera_switches_to_ffmpeg_while_packets_are_copied_and_back(
    replay: str, make_hub: Callable[..., StreamHub]
) -> None:
    hub = make_hub([camera("rec", replay, fps=5)], fast_settings(read_timeout=5))
    wait_for(lambda: hub.health()[0].status == "online", 15, "online")
    stream = hub.camera("rec").sub
    assert isinstance(stream.source, PacketSource)
    copied: list[av.Packet] = []
    key = stream.add_packet_hook(lambda item: item.packet is not None and copied.append(item.packet),
                                 frames=False)
    try:
        wait_for(lambda: isinstance(stream.source, AvSource) and len(copied) >= 10, 10,
                 "packets copied through FFmpeg's demuxer")
        assert copied[-1].stream is not None, "a container template for the recorder"
    finally:
        stream.remove_packet_hook(key)
    wait_for(lambda: isinstance(stream.source, PacketSource), 10, "back on the light path")
    frames0 = stream.meter.frames_in
    time.sleep(4)  # the server starts a new session at its next keyframe (2 s GOP)
    assert stream.meter.frames_in - frames0 >= 8
    health = hub.health()[0]
    assert health.status == "online" and health.reconnects_last_hour == 0, \
        "a switch of path is not a reconnect"


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
