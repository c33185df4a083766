"""MJPEG tiles and JPEG snapshots over a real HTTP server: sharing, slow viewers, cleanup."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable

import cv2
import httpx
import numpy as np
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streams.hub import StreamHub
from tests.streams.conftest import LiveServer, camera
from tests.streams.mjpeg_client import MjpegClient
from tests.streams.test_rtsp import wait_for


def test_twenty_viewers_one_slow_the_others_keep_full_rate(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([camera("plaza", "sim://?w=640&h=360&fps=10&label=plaza")])
    server = live_server(hub, send_buffer=65536)
    stream = hub.camera("plaza").sub
    clients = [MjpegClient(server.port, "/streams/plaza.mjpg") for _ in range(19)]
    slow = MjpegClient(server.port, "/streams/plaza.mjpg", slow=True, stall=4.0)
    for client in [*clients, slow]:
        client.start()
    wait_for(lambda: all(c.frames for c in clients) and stream.viewers == 20, 20, "20 viewers")

    t0, encoded0, in0 = time.monotonic(), stream.meter.frames_encoded, stream.meter.frames_in
    time.sleep(4.0)
    t1, encoded1, in1 = time.monotonic(), stream.meter.frames_encoded, stream.meter.frames_in
    produced = encoded1 - encoded0
    assert produced >= 10, "the camera kept producing"
    # Encoded once per new frame, however many viewers share it.
    assert produced <= (in1 - in0) + 1
    ratios = [c.count_between(t0, t1) / produced for c in clients]
    assert min(ratios) >= 0.8, f"fast viewers fell behind: {sorted(ratios)[:3]}"
    assert slow.count_between(t0, t1) < 0.5 * produced, "the slow viewer really is slow"
    # The stalled viewer resumes: it gets what the network buffers held, then jumps to the
    # newest picture instead of replaying everything it missed.
    slow.slow = False
    wait_for(lambda: len(slow.seqs) >= 2 and slow.seqs[-1] >= stream.seq - 5, 20, "slow catches up")
    gaps = [b - a for a, b in zip(slow.seqs, slow.seqs[1:], strict=False)]
    assert max(gaps) > 1 and stream.meter.skipped_total > 0
    assert len(slow.seqs) < len(clients[0].seqs), "it skipped frames instead of queueing them"
    for client in [*clients, slow]:
        assert client.error is None and client.status_line.startswith(b"HTTP/1.1 200")
        client.stop_event.set()
    for client in [*clients, slow]:
        client.join(15)
    wait_for(lambda: stream.viewers == 0, 15, "viewers released on disconnect")


def test_snapshot_and_main_stream_opened_only_while_watched(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    cam = camera("gate", "sim://?w=320&h=180&fps=10", main_url="sim://?w=1280&h=720&fps=10")
    hub = make_hub([cam])
    server = live_server(hub)
    main = hub.camera("gate").main
    assert main is not None and not main.running
    wait_for(lambda: hub.health()[0].status == "online", 10, "online")

    answer = httpx.get(f"{server.base}/streams/gate.jpg", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    tile = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
    assert tile.shape == (180, 320, 3)
    assert not main.running, "a sub-stream snapshot does not open the main stream"

    viewer = MjpegClient(server.port, "/streams/gate.mjpg?stream=main", keep=True)
    viewer.start()
    wait_for(lambda: len(viewer.frames) >= 3, 15, "main-stream frames")
    assert main.running and main.viewers == 1
    frame = viewer.frames[-1][1]
    assert frame is not None
    picture = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (720, 1280, 3), "focus view comes from the main stream"
    viewer.stop_event.set()
    viewer.join(10)
    wait_for(lambda: not main.running, 15, "main stream closed after idling")
    assert not any(t.name == "capture:gate:main" for t in __import__("threading").enumerate())


def test_bad_requests_get_clear_errors(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([camera("c1", "sim://?w=320&h=180&fps=5")])
    server = live_server(hub)
    unknown = httpx.get(f"{server.base}/streams/nope.jpg", timeout=10)
    assert unknown.status_code == 404 and "unknown camera nope" in unknown.json()["error"]
    bad_role = httpx.get(f"{server.base}/streams/c1.jpg?stream=hd", timeout=10)
    assert bad_role.status_code == 400 and "sub or main" in bad_role.json()["error"]


def test_authorize_hook_can_refuse(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response

    seen: list[str | None] = []

    async def only_c1(request: Request, camera_id: str | None) -> Response | None:
        seen.append(camera_id)
        return None if camera_id == "c1" else PlainTextResponse("禁止 / forbidden", 403)

    hub = make_hub([camera("c1", "sim://?w=320&h=180&fps=5"), camera("c2", "sim://?fps=5")])
    server = live_server(hub, authorize=only_c1)
    assert httpx.get(f"{server.base}/streams/c2.jpg", timeout=10).status_code == 403
    assert httpx.get(f"{server.base}/streams/c1.jpg", timeout=10).status_code == 200
    assert httpx.get(f"{server.base}/metrics", timeout=10).status_code == 403
    assert seen == ["c2", "c1", None]


_REQUEST_TAG: contextvars.ContextVar[str] = contextvars.ContextVar("request_tag", default="")


class _TagEachRequest:
    """A layer that keeps per-request state in a context variable, as tracing layers do, and
    records which tag each picture's ``send`` runs under."""

    def __init__(self, app: ASGIApp, seen: list[tuple[str, str]]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tag = scope.get("query_string", b"").decode()
        _REQUEST_TAG.set(tag)

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                self.seen.append((tag, _REQUEST_TAG.get()))
            await send(message)

        await self.app(scope, receive, tagged_send)


def test_pictures_are_sent_in_each_request_s_own_context(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer]
) -> None:
    hub = make_hub([camera("lane", "sim://?w=320&h=180&fps=15")])
    seen: list[tuple[str, str]] = []
    server = live_server(hub, middleware=[Middleware(_TagEachRequest, seen=seen)])
    clients = [MjpegClient(server.port, f"/streams/lane.mjpg?stream=sub&v={i}") for i in range(3)]
    for client in clients:
        client.start()
    wait_for(lambda: all(len(c.seqs) >= 10 for c in clients), 20, "10 pictures each")
    for client in clients:
        client.stop_event.set()
        client.join(10)
    assert len(seen) >= 30
    wrong = [(tag, got) for tag, got in seen if tag != got]
    assert not wrong, f"pictures sent outside their request's context: {wrong[:3]}"
    assert {tag for tag, _ in seen} == {f"stream=sub&v={i}" for i in range(3)}
