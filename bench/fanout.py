"""CPU of the server with 20 MJPEG viewers of one camera ÷ CPU with 1 viewer (target ≤ 1.15).

The camera is an H.264 640×360 @ 25 fps clip played at its own rate through the hub (decode,
tamper, JPEG once per frame); viewers are real HTTP clients in another process. Rounds of
1 and 20 viewers alternate (``--rounds`` pairs). The server's CPU in one window moves by ±10 %
from window to window with the same load (measured with 1 viewer, 4 s windows, content looped
so every window sees the same pictures), so one pair's ratio means little: the figure is the
CPU of all 20-viewer windows ÷ the CPU of all 1-viewer windows; the median of the pairs'
ratios is printed beside it.

    python bench/fanout.py [--seconds 10] [--rounds 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CAVEAT, LiveServer, h264_file, run_viewers  # noqa: E402

from config.cameras import CameraConfig  # noqa: E402
from config.streams import StreamSettings  # noqa: E402
from streams.hub import StreamHub  # noqa: E402


def measure(server: LiveServer, viewers: int, seconds: float) -> tuple[float, float, float]:
    """(server CPU s/s, its user-space part, mean frames/s per viewer) with ``viewers``."""
    import threading

    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(
        v=run_viewers(server.port, ["/streams/cam.mjpg"] * viewers, seconds, warmup=2.0)))
    thread.start()
    time.sleep(2.0)  # the viewers' warm-up: connections open, first pictures out
    import os

    cpu0, t0, tm0 = time.process_time(), time.monotonic(), os.times()
    thread.join()
    cpu1, t1, tm1 = time.process_time(), time.monotonic(), os.times()
    user = (tm1.user - tm0.user) / (t1 - t0)
    per_viewer = [v["frames"] / seconds for v in result["v"]]  # type: ignore[union-attr]
    return (cpu1 - cpu0) / (t1 - t0), user, sum(per_viewer) / len(per_viewer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    clip = h264_file(Path(tempfile.gettempdir()) / "zongzhi-bench-640x360-25.ts")
    hub = StreamHub([CameraConfig(id="cam", name="cam", center="532622", sub_url=str(clip))],
                    StreamSettings())
    hub.start_sync()
    try:
        ratios, users, totals = [], [], {1: 0.0, 20: 0.0}
        with LiveServer(hub) as server:
            time.sleep(1.0)
            for n in range(args.rounds):
                cpu1, user1, fps1 = measure(server, 1, args.seconds)
                cpu20, user20, fps20 = measure(server, 20, args.seconds)
                ratios.append(cpu20 / cpu1)
                totals[1] += cpu1
                totals[20] += cpu20
                users.append(user20 / user1)
                print(f"round {n + 1}: 1 viewer {cpu1 * 100:.1f}% of a core ({fps1:.1f} frames/s), "
                      f"20 viewers {cpu20 * 100:.1f}% ({fps20:.1f} frames/s per viewer): "
                      f"ratio {ratios[-1]:.2f}", flush=True)
    finally:
        hub.stop_sync()
    print(f"ratio CPU(20) / CPU(1) = {totals[20] / totals[1]:.2f} over {len(ratios)} rounds "
          f"(target <= 1.15); pairs' median {statistics.median(ratios):.2f}, range "
          f"{min(ratios):.2f}–{max(ratios):.2f}; user-space only "
          f"{statistics.median(users):.2f} (on loopback the kernel also does the receivers' "
          "TCP work and bills it to the sender)")
    print(CAVEAT)


if __name__ == "__main__":
    main()
