"""The process's middleware, outermost first: the media edge (live media is never gzipped,
see :mod:`streams.edge`), then, with accounts on, the auth edge."""

from __future__ import annotations

from starlette.middleware import Middleware

from dashboard.consultation.routes import JOIN_RULE
from dashboard.server.services import Services
from streams.edge import MediaEdge


def middleware(svc: Services) -> list[Middleware]:
    from dashboard.auth.proxy import TrustedProxyHeaders

    # Outermost: a request through a trusted reverse proxy is seen as the browser made it
    # (https, the user's address) by everything below, pages and redirects included.
    out = [Middleware(TrustedProxyHeaders, settings=svc.settings.auth), Middleware(MediaEdge)]
    if not svc.accounts_on:
        return out
    from dashboard import auth

    # The demo feed checks its callers itself (a login, or the hub's own credential); a
    # /join/<token> link is its own credential.
    rules = (auth.RouteRule("/demo/feed", auth.RouteKind.PUBLIC), JOIN_RULE, *auth.DEFAULT_RULES)
    out.append(
        Middleware(
            auth.AuthMiddleware, session_factory=svc.session_factory,
            settings=svc.settings.auth, rules=rules,
        )
    )
    return out
