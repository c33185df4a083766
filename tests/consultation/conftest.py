"""Fixtures of the session tests: a migrated database with a case, a hub, a live server."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from config.cameras import CameraConfig
from dashboard.consultation.join import join_page_html
from dispatch import models  # noqa: F401
from dispatch.api import build_api
from dispatch.consultation.routes import consultation_routes
from dispatch.db import make_engine, make_session_factory
from dispatch.events import InProcessBus
from dispatch.migrate import upgrade
from dispatch.models import Camera, Center, Grid
from dispatch.principal import Principal, Role
from dispatch.registry import import_deployment
from dispatch.rollup import install_rollups
from dispatch.sla import Sla
from streams.conference.rooms import Conference
from streams.hub import StreamHub
from tests.dispatch.factories import (
    COUNTY_OP,
    LEADER,
    OPERATOR,
    OTHER_COUNTY,
    T0,
    Db,
    act,
    deployment,
    new_case,
    principal,
)
from tests.streams.conftest import fast_settings, free_port

PRINCIPALS: dict[str, Principal] = {
    "township": OPERATOR,
    "county": COUNTY_OP,
    "leader": LEADER,
    "other-county": principal(OTHER_COUNTY, Role.OPERATOR, actor="other-county-op"),
}


def migrated_db(url: str) -> Db:
    """The example deployment in a database built by the migrations (0003 included)."""
    engine = make_engine(url)
    upgrade(engine)
    factory = install_rollups(make_session_factory(engine))
    dep = deployment()
    with factory.begin() as session:
        import_deployment(session, dep)
        grid = session.query(Grid).filter_by(code="532622101201001").one()
        grid.lat, grid.lon = 23.61, 104.33
        village = session.query(Center).filter_by(code="532622101201").one()
        township = session.query(Center).filter_by(code="532622101").one()
        cam1 = session.get(Camera, "cam-jiangna-1")
        assert cam1 is not None
        cam1.lat, cam1.lon = 23.612, 104.331
        session.add_all([
            Camera(id="cam-gate", name="江那社区大门", center_id=village.id, grid_id=grid.id,
                   lat=23.6101, lon=104.3301, enabled=True),
            Camera(id="cam-town", name="江那镇政府广场", center_id=township.id, lat=23.7, lon=104.4,
                   enabled=True),
        ])
    return Db(engine, factory, Sla.build(dep.sla, dep.holidays))


def case_in_handling(db: Db) -> int:
    """A dispute in the grid, accepted and dispatched to the judicial office (order pending)."""
    case = new_case(db, grid="532622101201001", center="532622101", lat=23.6102, lon=104.3302,
                    kind="dispute", leader="李副镇长", plan="现场调解", risk="medium")
    act(db, OPERATOR, case.id, "accept", T0)
    act(db, OPERATOR, case.id, "dispatch", T0, lead={"department": "532622101-judicial"})
    return case.id


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    made = migrated_db(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()


class PrincipalHeader:
    """Stands for the auth middleware: ``X-Test-Principal`` names a principal of PRINCIPALS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = dict(scope["headers"]).get(b"x-test-principal", b"").decode()
            if name in PRINCIPALS:
                scope["principal"] = PRINCIPALS[name]
        await self.app(scope, receive, send)


@dataclass
class LiveSession:
    db: Db
    hub: StreamHub
    conference: Conference
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def hub_cameras() -> list[CameraConfig]:
    return [
        CameraConfig(id="cam-jiangna-1", name="江那社区广场", center="532622101201",
                     sub_url="sim://?w=320&h=180&fps=10&label=square", tamper=False),
        CameraConfig(id="cam-gate", name="江那社区大门", center="532622101201",
                     sub_url="sim://?w=320&h=180&fps=10&label=gate", tamper=False),
        # Nothing listens there: the camera is offline, as one that failed mid-session.
        CameraConfig(id="cam-town", name="江那镇政府广场", center="532622101",
                     sub_url=f"rtsp://127.0.0.1:{free_port()}/dead", tamper=False),
    ]


def start_live(db: Db, data_dir: Path, hub: StreamHub) -> LiveSession:
    conference = Conference(hub, hub.settings)
    bus = InProcessBus()
    routes = consultation_routes(db.factory, conference, sla=db.sla, data_dir=data_dir,
                                 join_page=join_page_html, bus=bus)
    api = build_api(db.factory, bus, db.sla, data_dir=data_dir)
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await conference.close()  # ends every peer of the server's loop before it stops

    app = Starlette(routes=[*routes, Mount("/api", app=api)], lifespan=lifespan)
    app.add_middleware(PrincipalHeader)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="on",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-session-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return LiveSession(db, hub, conference, port, server, thread)


@pytest.fixture
def live(db: Db, tmp_path: Path) -> Iterator[LiveSession]:
    hub = StreamHub(hub_cameras(), fast_settings())
    hub.start_sync()
    session = start_live(db, tmp_path / "data", hub)
    try:
        yield session
    finally:
        session.server.should_exit = True
        session.thread.join(10)
        hub.stop_sync()


@pytest.fixture
def make_case(db: Db) -> Callable[[], int]:
    return lambda: case_in_handling(db)
