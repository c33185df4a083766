"""What one more MJPEG viewer costs per picture: the product's path ÷ the floor of this design.

No camera and no decoding: a thread publishes a ready 17.6 kB MJPEG part (the size of
``fanout.py``'s tiles) at 25 pictures/s through a real :class:`streams.stream.Stream`, as the
reader would. Two routes serve it on one uvicorn server laid out as in the product (media
edge first):

- ``/product.mjpg`` — :class:`streams.mjpeg.MjpegResponse`, the product's path (hand-over
  callback, ASGI ``send`` through the middleware and uvicorn);
- ``/floor.mjpg`` — the same hand-over, but writing the chunk-framed part straight to the
  connection's transport: no ASGI at all. (It reaches uvicorn's transport through its
  ``send``; a measuring tool only, nothing the product does.)

For each route in turn (alternating rounds), 20 viewers (real HTTP clients in another
process) watch; every viewer callback the stream makes is timed with ``time.thread_time`` on
the event loop (the same ~0.2 µs of timing in both routes). The figure is the mean CPU of one
viewer's callback per picture: what one more viewer costs. Printed: both routes' medians over
the rounds, and their ratio.

    python bench/viewer_cost.py [--seconds 5] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CAVEAT, LiveServer, run_viewers  # noqa: E402

FPS = 25.0
VIEWERS = 20
PART_BYTES = 17_400
LOOP: list[asyncio.AbstractEventLoop] = []  # the server's, seen by its first request


def build_app(stream: object) -> object:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send

    from streams.edge import MediaEdge
    from streams.mjpeg import HEADERS, MjpegResponse

    class Product:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await MjpegResponse(stream, lambda: True)(scope, receive, send)  # type: ignore[arg-type]

    class Floor:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            transport = scope["uvicorn_send"].__self__.transport
            last = [0]

            def on_picture() -> None:
                part = stream.ready_part()  # type: ignore[attr-defined]
                if part is not None and part[0] != last[0] and not transport.is_closing():
                    last[0] = part[0]
                    body = part[1]
                    transport.write(b"".join([b"%x\r\n" % len(body), body, b"\r\n"]))

            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            key = stream.add_viewer(on_picture)  # type: ignore[attr-defined]
            try:
                while (await receive())["type"] != "http.disconnect":
                    pass
            finally:
                stream.remove_viewer(key)  # type: ignore[attr-defined]

    inner = Starlette(routes=[Route("/product.mjpg", Product()), Route("/floor.mjpg", Floor())],
                      middleware=[Middleware(MediaEdge)])

    async def outermost(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            LOOP.append(asyncio.get_running_loop())
            scope = {**scope, "uvicorn_send": send}
        await inner(scope, receive, send)

    return outermost


def publish(stream: object, stop: threading.Event) -> None:
    from streams.jpeg import multipart_part

    data = os.urandom(PART_BYTES)
    seq, due = 0, time.monotonic()
    while not stop.is_set():
        due += 1 / FPS
        time.sleep(max(0.0, due - time.monotonic()))
        seq += 1
        stream._part = (seq, multipart_part(seq, data))  # type: ignore[attr-defined]  # as the reader does
        stream.wake_viewers()  # type: ignore[attr-defined]


class TimedStream:
    """Wraps every viewer callback of ``stream`` to add up its event-loop CPU."""

    def __init__(self, stream: object) -> None:
        self.stream = stream
        self.cpu, self.calls = 0.0, 0
        original = stream.add_viewer  # type: ignore[attr-defined]

        def add_viewer(on_picture: object) -> int:
            def timed() -> None:
                started = time.thread_time()
                on_picture()  # type: ignore[operator]
                self.cpu += time.thread_time() - started
                self.calls += 1

            return original(timed)  # type: ignore[no-any-return]

        stream.add_viewer = add_viewer  # type: ignore[attr-defined]

    def reset(self) -> None:
        self.cpu, self.calls = 0.0, 0


def measure(server: LiveServer, timed: TimedStream, path: str, seconds: float) -> tuple[float, float]:
    """(µs of loop CPU per viewer callback, frames/s per viewer) with 20 clients on ``path``."""
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(
        v=run_viewers(server.port, [path] * VIEWERS, seconds, warmup=1.5)))
    thread.start()
    time.sleep(1.5)
    asyncio.run_coroutine_threadsafe(_reset(timed), LOOP[-1]).result(5)
    time.sleep(seconds - 0.5)
    cpu, calls = asyncio.run_coroutine_threadsafe(_read(timed), LOOP[-1]).result(5)
    thread.join()
    per_viewer = [v["frames"] / seconds for v in result["v"]]  # type: ignore[union-attr]
    return cpu / max(calls, 1) * 1e6, sum(per_viewer) / len(per_viewer)


async def _reset(timed: TimedStream) -> None:
    timed.reset()


async def _read(timed: TimedStream) -> tuple[float, int]:
    return timed.cpu, timed.calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    from config.streams import StreamSettings
    from streams.stream import Stream

    stream = Stream("bench", "sub", "sim://", StreamSettings(), width=640)  # never started
    timed = TimedStream(stream)
    stop = threading.Event()
    publisher = threading.Thread(target=publish, args=(stream, stop), daemon=True)
    costs: dict[str, list[float]] = {"/product.mjpg": [], "/floor.mjpg": []}
    with LiveServer(app=build_app(stream)) as server:
        publisher.start()
        for n in range(args.rounds):
            for path, samples in costs.items():
                per, fps = measure(server, timed, path, args.seconds)
                samples.append(per)
                print(f"round {n + 1} {path}: {VIEWERS} viewers at {fps:.1f} pictures/s each, "
                      f"{per:.1f} µs of loop CPU per viewer per picture", flush=True)
        stop.set()
    product = statistics.median(costs["/product.mjpg"])
    floor = statistics.median(costs["/floor.mjpg"])
    print(f"per viewer per picture (medians): product {product:.1f} µs, floor (no ASGI) "
          f"{floor:.1f} µs; product ÷ floor = {product / floor:.2f}")
    print(CAVEAT)


if __name__ == "__main__":
    main()
