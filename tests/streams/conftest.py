"""Fixtures for the stream tests: a real RTSP server, a real HTTP server, hubs that stop."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from config.cameras import CameraConfig
from config.streams import StreamSettings
from streams.edge import MediaEdge
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from tests.live import LiveASGI, free_port, loopback_socket

RTSP_SCRIPT = Path(__file__).with_name("rtsp_server.py")


class RtspServer:
    """The GStreamer RTSP server in a subprocess of the system interpreter."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.args = args
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(RTSP_SCRIPT), "--port", str(self.port), *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "READY", f"RTSP server did not start: {line!r}"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    def url(self, mount: int = 0, userinfo: str = "") -> str:
        return f"rtsp://{userinfo}127.0.0.1:{self.port}/cam{mount}"


@pytest.fixture
def rtsp_server() -> Iterator[Callable[..., RtspServer]]:
    servers: list[RtspServer] = []

    def make(*args: str) -> RtspServer:
        server = RtspServer(*args)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.kill()


def fast_settings(**overrides: object) -> StreamSettings:
    """Settings with short timeouts so failure paths run in test time."""
    base: dict[str, object] = dict(
        connect_timeout=3.0, read_timeout=2.0, reconnect_initial=0.2, reconnect_max=1.0,
        watchdog_interval=0.1, main_idle_seconds=0.5,
    )
    base.update(overrides)
    return StreamSettings(**base)  # type: ignore[arg-type]


def camera(cid: str, url: str, **kw: object) -> CameraConfig:
    return CameraConfig(id=cid, name=f"摄像机 {cid}", center="532622", sub_url=url, **kw)  # type: ignore[arg-type]


@pytest.fixture
def make_hub() -> Iterator[Callable[..., StreamHub]]:
    hubs: list[StreamHub] = []

    def make(cameras: list[CameraConfig], settings: StreamSettings | None = None) -> StreamHub:
        hub = StreamHub(cameras, settings or fast_settings())
        hub.start_sync()
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop_sync()


class LiveServer(LiveASGI):
    """The hub's routes on a real uvicorn server on a loopback port, in a thread."""

    def __init__(self, hub: StreamHub, send_buffer: int | None = None,
                 extra_routes: list[object] | None = None,
                 middleware: list[Middleware] | None = None, **route_kw: object) -> None:
        self.hub = hub
        # Loopback autotuning lets the kernel hold ~3 MB per connection; a deployment serving
        # live tiles keeps it small so a stalled viewer reaches the hub's skip-to-newest logic
        # within a few pictures.
        # Laid out as in the product: the media edge first among the middleware.
        routes = build_stream_routes(hub, hub.settings, **route_kw)  # type: ignore[arg-type]
        app = Starlette(routes=[*routes, *(extra_routes or [])],  # type: ignore[list-item]
                        middleware=[Middleware(MediaEdge), *(middleware or [])])
        super().__init__(app, sock=loopback_socket(send_buffer))


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def make(hub: StreamHub, **route_kw: object) -> LiveServer:
        server = LiveServer(hub, **route_kw).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__()
