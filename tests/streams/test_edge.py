"""The media edge: MJPEG bodies skip the inner layers, ordinary answers do not, no gzip."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streams.edge import MediaEdge
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from tests.live import LiveASGI
from tests.streams.conftest import camera


class Recorder:
    """An inner layer that wraps ``send``, as session, audit and error layers do."""

    seen: Counter[tuple[str, str]]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Message) -> None:
            Recorder.seen[(scope.get("path", ""), message["type"])] += 1
            await send(message)

        await self.app(scope, receive, wrapped)


@pytest.fixture
def serve(make_hub: Callable[..., StreamHub]) -> Iterator[Callable[[bool], LiveASGI]]:
    hub = make_hub([camera("gate", "sim://?w=320&h=180&fps=10")])
    servers: list[LiveASGI] = []

    def make(edge: bool) -> LiveASGI:
        Recorder.seen = Counter()
        layers = [Middleware(GZipMiddleware, minimum_size=16), Middleware(Recorder)]
        app = Starlette(routes=build_stream_routes(hub, hub.settings),
                        middleware=[Middleware(MediaEdge), *layers] if edge else layers)
        server = LiveASGI(app).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__()


def read_parts(port: int, count: int, *, raw: bool = True) -> httpx.Headers:
    """Read ``count`` MJPEG parts (from the bytes on the wire if ``raw``, else decoded)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client, client.stream(
        "GET", "/streams/gate.mjpg", headers={"Accept-Encoding": "gzip"}
    ) as response:
        assert response.status_code == 200
        got = b""
        for chunk in response.iter_raw() if raw else response.iter_bytes():
            got += chunk
            if got.count(b"Content-Type: image/jpeg") >= count:
                break
        assert got.count(b"\xff\xd8") >= count - 1, "JPEG pictures"
        return response.headers


def test_mjpeg_bodies_go_straight_to_the_edge(serve: Callable[[bool], LiveASGI]) -> None:
    server = serve(True)
    headers = read_parts(server.port, 5)
    assert "content-encoding" not in headers, "live media is never gzipped"
    seen = Recorder.seen
    # The response start still passes every layer (cookies, audit); the pictures do not.
    assert seen[("/streams/gate.mjpg", "http.response.start")] == 1
    assert seen[("/streams/gate.mjpg", "http.response.body")] == 1, "only the first picture"

    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
        health = client.get("/streams/health", headers={"Accept-Encoding": "gzip"})
        metrics = client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert health.status_code == 200 and health.json()[0]["camera_id"] == "gate"
    assert seen[("/streams/health", "http.response.body")] >= 1, "ordinary answers pass every layer"
    # Outside the media paths the application's layers work as before: gzip included.
    assert metrics.status_code == 200 and metrics.headers.get("content-encoding") == "gzip"
    assert "zongzhi_camera" in metrics.text


def test_without_the_edge_every_picture_crosses_every_layer(
    serve: Callable[[bool], LiveASGI],
) -> None:
    server = serve(False)
    headers = read_parts(server.port, 5, raw=False)
    assert headers.get("content-encoding") == "gzip", "what the edge prevents"
    assert Recorder.seen[("/streams/gate.mjpg", "http.response.body")] >= 4
