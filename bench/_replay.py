"""The replay RTSP server (``tests/streams/replay_rtsp.py``) as a context manager for benches.

Several server processes may share the load (``servers``): each serves the same pre-encoded
clip on its own port, and cameras are spread over them. Their CPU is read from ``/proc`` so a
bench can say what the test server took beside the product.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests/streams/replay_rtsp.py"
TICKS = os.sysconf("SC_CLK_TCK")


class Replay:
    def __init__(self, procs: list[subprocess.Popen[str]], ports: list[int]) -> None:
        self.procs, self.ports = procs, ports

    def urls(self, count: int) -> list[str]:
        """``count`` camera URLs spread over the servers (one shared mount each)."""
        return [f"rtsp://127.0.0.1:{self.ports[i % len(self.ports)]}/cam0" for i in range(count)]

    def cpu_seconds(self) -> float:
        total = 0
        for proc in self.procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def replay_server(fps: int = 5, gop_seconds: int = 2, servers: int = 1) -> Iterator[Replay]:
    """Start ``servers`` replay server processes (640×360 H.264, ``fps``, a keyframe every
    ``gop_seconds``); yields a :class:`Replay`."""
    ports = [_port() for _ in range(servers)]
    procs = [subprocess.Popen(
        [sys.executable, str(SCRIPT), "--port", str(port), "--fps", str(fps),
         "--gop-seconds", str(gop_seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for port in ports]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "READY", f"replay server did not start: {line!r}"
        yield Replay(procs, ports)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)
            if proc.stdout:
                proc.stdout.close()
