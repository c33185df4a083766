"""A real uvicorn server on a loopback port, in a thread: what route tests talk HTTP to."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loopback_socket(send_buffer: int | None = None) -> socket.socket:
    """A socket bound to a free loopback port (bound before uvicorn starts: no port race)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer:
        # Accepted sockets inherit the listener's send buffer.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveASGI:
    """Serve ``app`` with uvicorn on a loopback port; a context manager that waits until it
    accepts connections and stops it on exit."""

    def __init__(
        self, app: Any, *, sock: socket.socket | None = None, name: str = "test-uvicorn",
        log_level: str = "warning",
    ) -> None:
        self.app = app
        self.sock = sock or loopback_socket()
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level=log_level,
                                lifespan="off", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name=name, daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> Any:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
