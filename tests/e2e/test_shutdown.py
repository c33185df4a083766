"""Ctrl+C with the wall watching: live video responses end cleanly, nothing is cancelled."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import start_demo, stop_demo


def test_ctrl_c_ends_live_video_cleanly(tmp_path: Path) -> None:
    server, pump = start_demo(tmp_path, "--open", "--cases", "200", "--activity", "0")
    received: dict[str, int] = {}
    endings: dict[str, str] = {}

    def watch(name: str, path: str) -> None:
        received[name] = 0
        try:
            with httpx.stream("GET", server.url + path, timeout=30) as response:
                assert response.status_code == 200
                for chunk in response.iter_raw():
                    received[name] += len(chunk)
            endings[name] = "complete"  # the chunked body ended with its last chunk
        except httpx.HTTPError as exc:
            endings[name] = type(exc).__name__

    viewers: list[threading.Thread] = []
    try:
        camera = httpx.get(server.url + "/streams/health", timeout=10).json()[0]["camera_id"]
        viewers = [
            threading.Thread(target=watch, args=("wall tile", f"/streams/{camera}.mjpg")),
            threading.Thread(target=watch, args=("demo feed", "/demo/feed/gate.mjpg")),
        ]
        for viewer in viewers:
            viewer.start()
        deadline = time.monotonic() + 60
        while not (len(received) == 2 and all(received.values())):
            assert time.monotonic() < deadline, f"no pictures: {received}"
            time.sleep(0.1)
    finally:
        code = stop_demo(server, pump)
    for viewer in viewers:
        viewer.join(30)
    log = "\n".join(server.output)
    assert endings == {"wall tile": "complete", "demo feed": "complete"}, log[-3000:]
    # uvicorn re-raises the signal once it has shut down: "ended by the Ctrl+C it was sent",
    # not killed after a timeout (-9) nor crashed.
    assert code in (0, -signal.SIGINT), f"exit code {code}\n" + log[-3000:]
    assert "Exception in ASGI application" not in log
    assert "graceful shutdown exceeded" not in log
