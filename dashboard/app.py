"""The composition root: ONE ``st.App`` serving pages, API, streams, WebRTC and metrics.

::

    svc = wiring.make_services(settings, cameras, demo=True, open_access=True)
    app = build_app(svc, activity=simulator)      # activity: demo field simulator or None
    app.run(config=streamlit_config(settings))

Everything is constructed here, nothing runs until the lifespan: it migrates the database,
binds the event bus, starts the stream hub, wires camera events to duty alerts, starts the
SLA clock and (demo) the activity simulator, then stops them in reverse order. The wall's
routes come before the dispatch API's ``/api`` mount so they win the match.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from config.settings import Settings
from dashboard import wiring
from dashboard.context import Services, install
from dashboard.shutdown import bound_graceful_shutdown, when_exiting
from dashboard.wall_routes import build_wall_routes
from dashboard.wall_state import WallStateCache

log = logging.getLogger("dashboard.app")
ENTRY = Path(__file__).with_name("entry.py")


def build_app(svc: Services, *, activity: Any = None) -> st.App:
    """The product's ASGI application over ``svc`` (see :func:`dashboard.wiring.make_services`).

    ``activity`` has ``async start()`` and ``async stop()`` (the demo's field simulator).
    """
    cache = WallStateCache(wiring.compute_wall_state, ttl=1.0)

    @asynccontextmanager
    async def lifespan(app: st.App) -> AsyncIterator[dict[str, Any]]:
        bound_graceful_shutdown()
        async with AsyncExitStack() as stack:
            install(svc)
            stack.callback(install, None)
            await wiring.start(svc, stack)
            if svc.bus is not None:
                stack.callback(svc.bus.subscribe("*", cache.invalidate))
            if activity is not None:
                await activity.start()
                stack.push_async_callback(activity.stop)
            closers = [*([svc.hub.close_viewers] if svc.hub is not None else []),
                       *svc.extras.get("on_exit", ())]
            exiting = asyncio.create_task(when_exiting(closers))
            stack.callback(exiting.cancel)
            log.info("command center ready: %d cameras", len(svc.cameras))
            yield {"services": svc}
        log.info("command center stopped")

    routes = [*build_wall_routes(cache), *wiring.routes(svc)]
    return st.App(
        str(ENTRY), lifespan=lifespan, routes=routes, middleware=wiring.middleware(svc),
        secrets=wiring.streamlit_secrets(svc),
    )


def streamlit_config(settings: Settings) -> dict[str, Any]:
    """Streamlit options fixed by the product (theme and the rest: dashboard/.streamlit)."""
    return {
        "server.address": settings.host,
        "server.port": settings.port,
        "server.headless": True,
        "browser.gatherUsageStats": False,
        "server.enableStaticServing": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
    }


__all__ = ["build_app", "streamlit_config"]
