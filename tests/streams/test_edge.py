"""The media edge: live media is never gzipped; other answers keep the app's compression."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from streams.edge import MediaEdge
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from tests.live import LiveASGI
from tests.streams.conftest import camera


@pytest.fixture
def serve(make_hub: Callable[..., StreamHub]) -> Iterator[Callable[[bool], LiveASGI]]:
    hub = make_hub([camera("gate", "sim://?w=320&h=180&fps=10")])
    servers: list[LiveASGI] = []

    def make(edge: bool) -> LiveASGI:
        gzip = Middleware(GZipMiddleware, minimum_size=16)
        app = Starlette(routes=build_stream_routes(hub, hub.settings),
                        middleware=[Middleware(MediaEdge), gzip] if edge else [gzip])
        server = LiveASGI(app).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__()


def read_parts(port: int, count: int, *, raw: bool) -> httpx.Headers:
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


def test_live_media_leaves_uncompressed(serve: Callable[[bool], LiveASGI]) -> None:
    server = serve(True)
    headers = read_parts(server.port, 5, raw=True)  # JPEG parts readable on the wire
    assert "content-encoding" not in headers
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
        health = client.get("/streams/health", headers={"Accept-Encoding": "gzip"})
        metrics = client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert health.status_code == 200 and health.json()[0]["camera_id"] == "gate"
    assert "content-encoding" not in health.headers
    # Outside the media paths the application's layers work as before: gzip included.
    assert metrics.status_code == 200 and metrics.headers.get("content-encoding") == "gzip"
    assert "zongzhi_camera" in metrics.text


def test_without_the_edge_every_picture_is_deflated(serve: Callable[[bool], LiveASGI]) -> None:
    headers = read_parts(serve(False).port, 5, raw=False)
    assert headers.get("content-encoding") == "gzip", "what the edge prevents"
