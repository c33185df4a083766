"""A live session server whose media engine is given (built-in or Janus), and a participant
that views by either exchange the state names (the page's rule)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from starlette.applications import Starlette
from starlette.routing import Mount

from dashboard.consultation.join import join_page_html
from dispatch.api import build_api
from dispatch.consultation.routes import consultation_routes
from dispatch.events import InProcessBus
from tests.consultation.conftest import PrincipalHeader
from tests.consultation.peers import NO_ICE_SERVERS, Client, Received
from tests.dispatch.factories import Db
from tests.streams.conftest import free_port


@dataclass
class Served:
    media: Any
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def serve(db: Db, data_dir: Path, media: Any) -> Served:
    """The session routes and the API on uvicorn over ``media``, closed with the server."""
    bus = InProcessBus()
    routes = consultation_routes(db.factory, media, sla=db.sla, data_dir=data_dir,
                                 join_page=join_page_html, bus=bus)
    api = build_api(db.factory, bus, db.sla, data_dir=data_dir)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await media.close()

    app = Starlette(routes=[*routes, Mount("/api", app=api)], lifespan=lifespan)
    app.add_middleware(PrincipalHeader)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, name="test-janus-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return Served(media, port, server, thread)


class Viewer(Client):
    """A participant that views a feed the way its ``exchange`` says, as the join page does."""

    async def view_feed(self, feed: dict[str, Any], audio: bool = True) -> Received:
        if feed.get("exchange") != "server-offer":
            return await self.view(feed["feed"], audio=audio)
        got = self.received.setdefault(feed["feed"], Received())
        offer = await self.http.post(f"{self.link}/whep/{feed['feed']}", content=b"",
                                     headers={"Content-Type": "application/sdp"})
        assert offer.status_code == 201, offer.text
        assert "a=setup:actpass" in offer.text  # an offer, not an answer
        pc = RTCPeerConnection(NO_ICE_SERVERS)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self.tasks.append(asyncio.ensure_future(self._consume(track, got)))

        await pc.setRemoteDescription(RTCSessionDescription(offer.text, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        location = offer.headers["location"]
        done = await self.http.patch(location, content=pc.localDescription.sdp,
                                     headers={"Content-Type": "application/sdp"})
        assert done.status_code == 204, done.text
        self.views[feed["feed"]] = (pc, location)
        return got
