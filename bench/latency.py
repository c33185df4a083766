"""Capture-to-viewer latency from the time stamped into the picture: p50/p95 for MJPEG and WHEP.

A simulated camera (640×360 @ 15 fps) writes the wall-clock capture time into each picture;
an MJPEG viewer (another process, real HTTP) and an aiortc WHEP viewer (real WebRTC over
loopback) read it back from what they receive. Targets: MJPEG p95 ≤ 150 ms, WHEP p95 ≤ 200 ms.

    python bench/latency.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx  # noqa: E402
from _common import CAVEAT, LiveServer, run_viewers  # noqa: E402
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402

from config.cameras import CameraConfig  # noqa: E402
from config.streams import StreamSettings  # noqa: E402
from streams.hub import StreamHub  # noqa: E402
from streams.stamp import read_stamp  # noqa: E402

SIM = "sim://?w=640&h=360&fps=15&stamp=1&label=latency"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


async def whep_latencies(base: str, seconds: float, codec: str) -> list[float]:
    from aiortc import RTCRtpReceiver

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver("video", direction="recvonly")
    caps = RTCRtpReceiver.getCapabilities("video")
    assert caps is not None
    transceiver.setCodecPreferences([c for c in caps.codecs if c.mimeType == f"video/{codec}"])
    latencies: list[float] = []
    done = asyncio.Event()

    @pc.on("track")
    def on_track(track: object) -> None:
        async def pull() -> None:
            warm_until = time.monotonic() + 2.0
            end = warm_until + seconds
            while time.monotonic() < end:
                frame = await track.recv()  # type: ignore[attr-defined]
                now_ms = time.time() * 1000
                if time.monotonic() < warm_until:
                    continue
                ms = read_stamp(frame.to_ndarray(format="gray"))
                if ms is not None:
                    latencies.append(now_ms - ms)
            done.set()

        asyncio.ensure_future(pull())

    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/whep/lat", content=pc.localDescription.sdp,
                                   headers={"Content-Type": "application/sdp"}, timeout=20)
        answer.raise_for_status()
        await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        await asyncio.wait_for(done.wait(), seconds + 30)
        await client.delete(base + answer.headers["location"], timeout=10)
    await pc.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    hub = StreamHub([CameraConfig(id="lat", name="lat", center="532622", sub_url=SIM)],
                    StreamSettings())
    hub.start_sync()
    try:
        with LiveServer(hub) as server:
            time.sleep(1.0)
            mjpeg = run_viewers(server.port, ["/streams/lat.mjpg#stamp"], args.seconds)[0]
            base = f"http://127.0.0.1:{server.port}"
            whep_vp8 = asyncio.run(whep_latencies(base, args.seconds, "VP8"))
            whep_h264 = asyncio.run(whep_latencies(base, args.seconds, "H264"))
    finally:
        hub.stop_sync()
    for name, values, target in (("MJPEG", mjpeg["latencies"], 150),
                                 ("WHEP VP8", whep_vp8, 200), ("WHEP H.264", whep_h264, 200)):
        if not values:
            print(f"{name}: no stamped frames received")
            continue
        print(f"{name}: {len(values)} frames, p50 {statistics.median(values):.0f} ms, "
              f"p95 {p95(values):.0f} ms  (target p95 <= {target} ms)")
    print(CAVEAT)


if __name__ == "__main__":
    main()
