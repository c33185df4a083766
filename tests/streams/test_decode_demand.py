"""Pull on demand: a camera nobody watches keeps its health from packets and decodes one
keyframe every ``key_seconds`` for the tamper checks; full decoding starts within one GOP when
pictures are wanted and stops when they are not (decoded pictures counted on a real RTSP
H.264 stream, 10 fps, a keyframe every second), on both RTSP readers: the light one (packets on
a shared thread, own decoder) and FFmpeg's demuxer."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from streams.hub import StreamHub
from streams.packets import PacketSource
from streams.sources import AvSource
from tests.streams.conftest import RtspServer, camera, fast_settings
from tests.streams.test_rtsp import wait_for

pytestmark = pytest.mark.rtsp
GOP = 1.0  # the test server's key-int-max is its frame rate


def counts(hub: StreamHub, camera_id: str) -> tuple[int, int]:
    """(packets received, pictures decoded) of the camera's sub-stream."""
    stream = hub.camera(camera_id).sub
    source = stream.source
    assert isinstance(source, (AvSource, PacketSource))
    return stream.meter.frames_in, source.decoded


def over(hub: StreamHub, camera_id: str, seconds: float) -> tuple[int, int]:
    p0, d0 = counts(hub, camera_id)
    time.sleep(seconds)
    p1, d1 = counts(hub, camera_id)
    return p1 - p0, d1 - d0


@pytest.mark.parametrize("reader", ["light", "ffmpeg"])
def test_health_only_decodes_keyframes_and_viewers_get_every_picture_within_a_gop(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub], reader: str
) -> None:
    server = rtsp_server()
    hub = make_hub([camera("idle", server.url()), camera("bare", server.url(), tamper=False)],
                   fast_settings(key_seconds=2, rtsp_reader=reader))
    wait_for(lambda: all(h.status == "online" for h in hub.health()), 15, "online")
    time.sleep(1)
    wanted = PacketSource if reader == "light" else AvSource
    assert isinstance(hub.camera("idle").sub.source, wanted)

    packets, decoded = over(hub, "idle", 6)
    assert packets >= 40, "health counts every packet"
    assert 2 <= decoded <= 4, f"one keyframe every 2 s for tamper, got {decoded} of {packets}"
    assert over(hub, "bare", 3)[1] == 0, "no tamper, nobody watching: nothing is decoded"
    assert all(h.status == "online" for h in hub.health()), "health from packets alone"

    stream = hub.camera("idle").sub
    seen: list[float] = []
    asked = time.monotonic()
    key = stream.add_packet_hook(lambda item: item.frame is not None and seen.append(time.monotonic()))
    try:
        wait_for(lambda: len(seen) >= 2, 5, "decoded pictures for the viewer")
        assert seen[0] - asked <= GOP + 0.5, "full decoding starts at the next keyframe"
        packets, decoded = over(hub, "idle", 3)
        assert decoded >= packets - 1, f"every picture while watched: {decoded} of {packets}"
    finally:
        stream.remove_packet_hook(key)
    time.sleep(0.5)
    packets, decoded = over(hub, "idle", 4)
    assert decoded <= 3 and packets >= 25, "back to keyframes once the viewer left"

    # A snapshot wants one current picture, then nothing more.
    taken = time.monotonic()
    assert hub.snapshot("bare") is not None
    assert time.monotonic() - taken <= GOP + 1.0
    assert over(hub, "bare", 2)[1] <= 1  # the read under way when the snapshot had its picture
