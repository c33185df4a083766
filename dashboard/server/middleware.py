"""The process's middleware, outermost first: the media edge (live media is never gzipped,
see :mod:`streams.edge`), then, with accounts on, the auth edge."""

from __future__ import annotations

from starlette.middleware import Middleware

from dashboard.consultation.routes import JOIN_RULE
from dashboard.server.services import Services
from streams.edge import MediaEdge


def middleware(svc: Services) -> list[Middleware]:
    out = [Middleware(MediaEdge)]
    if not svc.accounts_on:
        return out
    from dashboard import auth

    # The demo feed is read by the hub itself; a /join/<token> link is its own credential.
    rules = (auth.RouteRule("/demo/feed", auth.RouteKind.PUBLIC), JOIN_RULE, *auth.DEFAULT_RULES)
    out.append(
        Middleware(
            auth.AuthMiddleware, session_factory=svc.session_factory,
            settings=svc.settings.auth, rules=rules,
        )
    )
    return out
