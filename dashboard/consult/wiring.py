"""How the composition root mounts video sessions (one call each in dashboard/wiring.py)::

    from dashboard.consult.wiring import JOIN_RULE, session_routes

    routes += session_routes(svc)         # before the dispatch API's /api mount
    rules = (JOIN_RULE, *auth.DEFAULT_RULES)   # /join/<token>: the token is the credential
    stack.push_async_callback(svc.extras["conference"].close)   # in the lifespan

The conference needs the stream hub for camera tiles; it is created here and kept in
``svc.extras["conference"]`` so the session page can reach it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute

from dashboard.consult.page import join_page_html
from dashboard.context import Services
from dispatch.consultation.routes import consultation_routes
from streams.conference import Conference


def _join_rule() -> object:
    from dashboard.auth import RouteKind, RouteRule

    return RouteRule("/join", RouteKind.PUBLIC)


JOIN_RULE = _join_rule()


def session_routes(svc: Services) -> list[BaseRoute]:
    conference = svc.extras.get("conference")
    if conference is None:
        conference = svc.extras["conference"] = Conference(svc.hub, svc.settings.streams)
    return consultation_routes(
        svc.session_factory, conference, sla=svc.extras.get("sla"),
        data_dir=Path(svc.extras.get("data_dir") or svc.settings.data_dir),
        join_page=join_page_html, bus=svc.bus,
        anonymous_principal=svc.open_principal,
    )
