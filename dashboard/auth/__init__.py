"""Authentication and access control at the edge of the process.

The composition root wires it like this::

    from starlette.middleware import Middleware
    from dashboard import auth

    settings = AuthSettings()                     # the [auth] section
    app = st.App(
        "dashboard/server/entry.py",
        routes=[*auth.build_login_routes(factory, settings),
                *build_api(factory, bus, ...),
                *build_stream_routes(hub, stream_settings,
                                     authorize=auth.camera_authorizer(factory, hub_center))],
        middleware=[Middleware(auth.AuthMiddleware, session_factory=factory, settings=settings)],
    )
    services.page_principal = auth.page_principal_resolver(factory)
"""

from __future__ import annotations

from dashboard.auth.cameras import camera_authorizer, camera_visibility
from dashboard.auth.guard import refuse_unless
from dashboard.auth.login import build_login_routes
from dashboard.auth.middleware import AUTH_SCOPE_KEY, AuthContext, AuthMiddleware
from dashboard.auth.pages import page_principal_resolver, principal_from_cookies
from dashboard.auth.routes import DEFAULT_RULES, RouteKind, RouteRule

__all__ = [
    "AUTH_SCOPE_KEY",
    "DEFAULT_RULES",
    "AuthContext",
    "AuthMiddleware",
    "RouteKind",
    "RouteRule",
    "build_login_routes",
    "camera_authorizer",
    "camera_visibility",
    "page_principal_resolver",
    "principal_from_cookies",
    "refuse_unless",
]
