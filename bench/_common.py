"""Shared pieces of the stream benches: test media, a live server, and MJPEG viewers.

Viewers run in a separate process (``python bench/_common.py viewers ...``) so the bench
measures the server's CPU, not its clients'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CAVEAT = ("note: 2 shared cores; other work on the machine moves absolute numbers, "
          "ratios measured in the same run are the comparable figures")


def h264_file(path: Path, width: int = 640, height: int = 360, fps: int = 25,
              seconds: int = 20) -> Path:
    """An H.264 MPEG-TS test clip (Annex B, 1 s GOP), made once with the ffmpeg CLI."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc2=size={width}x{height}:rate={fps}", "-t", str(seconds), "-c:v", "libx264",
             "-preset", "veryfast", "-tune", "zerolatency", "-g", str(fps), "-pix_fmt", "yuv420p",
             "-f", "mpegts", str(path)],
            check=True,
        )
    return path


class LiveServer:
    """Hub routes (or ``app``) on uvicorn on a loopback port, in a thread of this process; on
    uvloop when installed, as the product runs."""

    def __init__(self, hub: object | None = None, app: object | None = None) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.middleware import Middleware

        from streams.edge import MediaEdge
        from streams.routes import build_stream_routes

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        if app is None:
            # Laid out as in the product: the media edge first among the middleware.
            app = Starlette(routes=build_stream_routes(hub, hub.settings),  # type: ignore[attr-defined]
                            middleware=[Middleware(MediaEdge)])
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                                    timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def run_viewers(port: int, paths: list[str], seconds: float, warmup: float = 1.0) -> list[dict]:
    """Start a viewer process; returns per-viewer frames counted after ``warmup`` seconds,
    plus capture-to-arrival latencies (ms) read from stamped pictures if asked."""
    out = subprocess.run(
        [sys.executable, __file__, "viewers", "--port", str(port), "--seconds", str(seconds),
         "--warmup", str(warmup), *paths],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


async def _viewer(port: int, path: str, t_start: float, t_end: float, stamps: bool) -> dict:
    import cv2
    import numpy as np

    from streams.stamp import read_stamp

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    frames, latencies = 0, []
    while time.monotonic() < t_end:
        try:
            line = await asyncio.wait_for(reader.readuntil(b"Content-Length: "), t_end - time.monotonic())
        except (TimeoutError, asyncio.IncompleteReadError):
            break
        length = int((await reader.readuntil(b"\r\n"))[:-2])
        await reader.readuntil(b"\r\n\r\n")
        body = await reader.readexactly(length)
        now_wall = time.time()
        del line
        if time.monotonic() >= t_start:
            frames += 1
            if stamps:
                grey = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_GRAYSCALE)
                ms = read_stamp(grey)
                if ms is not None:
                    latencies.append(now_wall * 1000 - ms)
    writer.close()
    return {"path": path, "frames": frames, "latencies": latencies}


async def _viewers(port: int, paths: list[str], seconds: float, warmup: float) -> list[dict]:
    t0 = time.monotonic()
    stamps = any("stamp" in p for p in paths)
    return list(await asyncio.gather(*[
        _viewer(port, p.replace("#stamp", ""), t0 + warmup, t0 + warmup + seconds, stamps)
        for p in paths
    ]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["viewers"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("paths", nargs="+")
    a = parser.parse_args()
    print(json.dumps(asyncio.run(_viewers(a.port, a.paths, a.seconds, a.warmup))))
