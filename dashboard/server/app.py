"""The composition root: ONE ``st.App`` serving pages, API, streams, WebRTC and metrics.

::

    svc = make_services(settings, cameras, demo=True, open_access=True)   # services.py
    app = build_app(svc, activity=simulator)      # activity: demo field simulator or None
    app.run(config=streamlit_config(settings))

Everything is constructed before, nothing runs until the lifespan: it migrates the database,
binds the event bus, starts the stream hub, wires camera events to duty alerts, starts the
SLA clock and (demo) the activity simulator, then stops them in reverse order
(:mod:`dashboard.server.start`). The wall's routes come before the dispatch API's ``/api``
mount so they win the match. This file is the launcher Streamlit anchors on, so its folder's
``.streamlit/config.toml`` is read wherever the command runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import streamlit as st
from starlette.exceptions import HTTPException

from config.settings import Settings
from dashboard.server.middleware import middleware
from dashboard.server.routes import routes
from dashboard.server.services import Services, install
from dashboard.server.shutdown import bound_graceful_shutdown, when_exiting
from dashboard.server.start import start
from dashboard.wall.routes import build_wall_routes
from dashboard.wall.state import WallStateCache, compute_wall_state
from dispatch.api.http import http_error

log = logging.getLogger("dashboard.server.app")
ENTRY = Path(__file__).with_name("entry.py")


class Activity(Protocol):
    """Something that runs beside the server (the demo's field simulator)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_app(svc: Services, *, activity: Activity | None = None) -> st.App:
    """The product's ASGI application over ``svc`` (see :func:`~dashboard.server.services.make_services`)."""
    cache = WallStateCache(compute_wall_state, ttl=1.0)

    @asynccontextmanager
    async def lifespan(app: st.App) -> AsyncIterator[dict[str, Any]]:
        bound_graceful_shutdown()
        async with AsyncExitStack() as stack:
            install(svc)
            stack.callback(install, None)
            await start(svc, stack)
            if svc.bus is not None:
                stack.callback(svc.bus.subscribe("*", cache.invalidate))
            if activity is not None:
                await activity.start()
                stack.push_async_callback(activity.stop)
            closers = [*([svc.hub.close_viewers] if svc.hub is not None else []), *svc.on_exit]
            exiting = asyncio.create_task(when_exiting(closers))
            stack.callback(exiting.cancel)
            log.info("command center ready: %d cameras", len(svc.cameras))
            yield {"services": svc}
        log.info("command center stopped")

    return st.App(
        str(ENTRY), lifespan=lifespan, routes=[*build_wall_routes(cache), *routes(svc)],
        middleware=middleware(svc), secrets=streamlit_secrets(svc),
        exception_handlers={HTTPException: http_error},  # JSON under /api
    )


def streamlit_config(settings: Settings) -> dict[str, Any]:
    """Streamlit options fixed by the product (theme and the rest: server/.streamlit)."""
    return {
        "server.address": settings.host,
        "server.port": settings.port,
        "server.headless": True,
        "browser.gatherUsageStats": False,
        "server.enableStaticServing": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
    }


def streamlit_secrets(svc: Services) -> dict[str, Any] | None:
    """Secrets for ``st.App``: the ``[auth]`` block of ``st.login`` when single sign-on is set."""
    if not svc.accounts_on or svc.settings.auth.oidc is None:
        return None
    from dashboard.auth.sso import streamlit_secrets as oidc_secrets

    return oidc_secrets(svc.settings.auth.oidc)


__all__ = ["build_app", "streamlit_config", "streamlit_secrets"]
