"""How the packages are put together: services, routes, middleware and what starts when.

Kept apart from :mod:`dashboard.app` so tests and the benchmark can build the same pieces
without a Streamlit server.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from typing import Any

import sqlalchemy as sa
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount

from config.cameras import CameraConfig
from config.settings import Settings
from dashboard.access import NotAuthenticated, open_principal, principal_of_scope
from dashboard.camera_events import CameraEventSink
from dashboard.consult.wiring import JOIN_RULE, session_routes
from dashboard.context import Services, services
from dashboard.periodic import run_every
from dashboard.scope import root_path
from dashboard.wall_state import wall_state
from dispatch.api import build_api
from dispatch.clock import SlaClock
from dispatch.db import make_engine, make_session_factory
from dispatch.events import bind_bus, make_bus
from dispatch.migrate import upgrade
from dispatch.models import Camera, Center
from dispatch.sla import Sla
from streams.edge import MediaEdge
from streams.hub import StreamHub, UnknownCamera
from streams.routes import build_stream_routes

log = logging.getLogger("dashboard.wiring")
#: Seconds between SLA clock ticks (near-deadline and overdue alerts, escalation by rule).
CLOCK_SECONDS = 30.0
PURGE_SECONDS = 3600.0  # ended sessions and quiet login throttles


def make_services(
    settings: Settings,
    cameras: list[CameraConfig],
    *,
    demo: bool = False,
    open_access: bool = False,
    sla: Sla | None = None,
) -> Services:
    """Construct (not start) everything a process needs."""
    url = settings.resolved_database_url
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    bus = make_bus(url)
    bind_bus(session_factory, bus)
    hub = StreamHub(cameras, settings.streams)
    svc = Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        cameras=list(cameras),
        hub=hub,
        bus=bus,
        demo=demo,
    )
    svc.extras["sla"] = sla or Sla.build()
    svc.extras["open_access"] = open_access
    if open_access:  # the database is prepared before the services are built
        with session_factory() as session:
            svc.open_principal = open_principal(root_path(session))
    return svc


def migrate(svc: Services) -> None:
    """Bring the schema up to date (the dispatch migrations)."""
    upgrade(svc.engine)


def camera_paths(svc: Services) -> dict[str, str]:
    """Camera id → its center's path, for access checks on stream routes."""
    with svc.session_factory() as session:
        rows = session.execute(
            sa.select(Camera.id, Center.path).join(Center, Camera.center_id == Center.id)
        ).all()
    return {cid: path for cid, path in rows}


async def start(svc: Services, stack: AsyncExitStack) -> None:
    """Start the process's moving parts; ``stack`` stops them in reverse order."""
    await asyncio.to_thread(migrate, svc)
    svc.extras["camera_paths"] = await asyncio.to_thread(camera_paths, svc)
    if svc.bus is not None:
        stack.callback(svc.bus.close)
    sink = CameraEventSink(svc.session_factory)
    await sink.start()
    stack.push_async_callback(sink.stop)
    if svc.hub is not None:
        svc.hub.subscribe(sink.submit)
        stack.callback(svc.hub.unsubscribe, sink.submit)
        await svc.hub.start()
        stack.push_async_callback(svc.hub.stop)
    conference = svc.extras.get("conference")  # video sessions (created with their routes)
    if conference is not None:
        stack.push_async_callback(conference.close)  # closed before the hub stops (LIFO)
    if svc.bus is not None:
        clock = SlaClock(svc.session_factory, svc.bus, svc.extras["sla"])
        run_every(stack, CLOCK_SECONDS, clock.run_once, "sla-clock")
    if _accounts_on(svc):
        run_every(stack, PURGE_SECONDS, lambda: purge_sessions(svc), "purge-sessions")
    stack.callback(svc.engine.dispose)


def purge_sessions(svc: Services) -> int:
    """Drop long-ended browser sessions and stale login throttles (the audit keeps their story)."""
    from dispatch.accounts import sessions

    with svc.session_factory.begin() as db:
        return sessions.purge(db)


async def authorize_camera(request: Request, camera_id: str | None) -> Response | None:
    """Stream routes: the viewer must see the camera's center (404 hides other centers')."""
    try:
        principal = principal_of_scope(request.scope)
    except NotAuthenticated:
        return JSONResponse({"error": "请先登录 / login required"}, status_code=401)
    if camera_id is None:
        return None
    path = services().extras.get("camera_paths", {}).get(camera_id)
    if path is not None and principal.sees(path):
        return None
    if path is None and principal.sees(principal.center_path) and services().open_principal:
        return None  # a camera added at run time (WHIP) in an open demo
    return JSONResponse({"error": "未知摄像机 / unknown camera"}, status_code=404)


def _accounts_on(svc: Services) -> bool:
    return not svc.extras.get("open_access")


def routes(svc: Services) -> list[BaseRoute]:
    """Every route but the wall's: login, dispatch API, streams, demo feed."""
    from dashboard import auth

    out: list[BaseRoute] = []
    api = build_api(
        svc.session_factory, svc.bus, svc.extras["sla"],
        anonymous_principal=svc.open_principal, data_dir=svc.settings.data_dir,
    )
    if _accounts_on(svc):
        out += auth.build_login_routes(svc.session_factory, svc.settings.auth)
    if svc.hub is not None:
        hub = svc.hub
        if _accounts_on(svc):
            def center(cam: str) -> str | None:
                return _hub_center(hub, cam)

            authorize = auth.camera_authorizer(svc.session_factory, center)
            visible = auth.camera_visibility(svc.session_factory, hub.camera_ids, center)
            out += build_stream_routes(hub, svc.settings.streams, authorize, visible)
        else:
            out += build_stream_routes(hub, svc.settings.streams, authorize=authorize_camera)
    if svc.hub is not None:
        out += session_routes(svc)  # video sessions: /api/consultations/..., /join/...
    out += svc.extras.get("extra_routes", [])
    out.append(Mount("/api", app=api))  # last: the wall's /api/wall routes match first
    return out


def _hub_center(hub: StreamHub, camera_id: str) -> str | None:
    try:
        return hub.camera(camera_id).config.center
    except UnknownCamera:
        return None


def streamlit_secrets(svc: Services) -> dict[str, Any] | None:
    """Secrets for ``st.App``: the ``[auth]`` block of ``st.login`` when single sign-on is set."""
    if not _accounts_on(svc) or svc.settings.auth.oidc is None:
        return None
    from dashboard.auth.sso import streamlit_secrets as oidc_secrets

    return oidc_secrets(svc.settings.auth.oidc)


def middleware(svc: Services) -> list[Middleware]:
    """Outermost first: the media edge (live media is never gzipped, see streams.edge);
    then the auth edge (accounts on)."""
    out = [Middleware(MediaEdge)]
    if not _accounts_on(svc):
        return out
    from dashboard import auth

    svc.extras["page_principal"] = auth.page_principal_resolver(svc.session_factory)
    # The demo feed is read by the hub itself; a /join/<token> link is its own credential.
    rules = (auth.RouteRule("/demo/feed", auth.RouteKind.PUBLIC), JOIN_RULE, *auth.DEFAULT_RULES)
    out.append(
        Middleware(
            auth.AuthMiddleware, session_factory=svc.session_factory,
            settings=svc.settings.auth, rules=rules,
        )
    )
    return out


def compute_wall_state(*args: Any) -> dict[str, Any]:
    """The wall cache's computation (one session per computation)."""
    center, layout, lang, health, cams = args
    with services().session_factory() as session:
        return wall_state(session, center, layout, lang, health, cams)
