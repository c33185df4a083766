"""Which paths are public, which are API-like (401) and which are pages (redirect to login)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dashboard.auth.sso import STREAMLIT_AUTH_PREFIX, STREAMLIT_CALLBACK_PATH


class RouteKind(Enum):
    PUBLIC = "public"  # login, logout, health: no principal needed
    API = "api"  # programs and media: 401 without a principal
    PAGE = "page"  # browser navigation: redirect to the login page


@dataclass(frozen=True)
class RouteRule:
    """``prefix`` matches the path itself and anything below it (``/api`` → ``/api/cases``).
    ``action``, when set, is required of every caller (see :mod:`dispatch.accounts.access`)."""

    prefix: str
    kind: RouteKind
    action: str | None = None

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")


#: The form that replaces a password (the only page a one-time password opens).
PASSWORD_PATH = "/password"

#: First match wins; paths that match nothing are pages.
DEFAULT_RULES: tuple[RouteRule, ...] = (
    RouteRule("/login", RouteKind.PUBLIC),
    RouteRule("/logout", RouteKind.PUBLIC),
    # Streamlit's st.login routes (single sign-on): the caller has no session yet. Without an
    # [auth.oidc] section they only redirect to "/".
    RouteRule(STREAMLIT_AUTH_PREFIX, RouteKind.PUBLIC),
    RouteRule(STREAMLIT_CALLBACK_PATH, RouteKind.PUBLIC),
    RouteRule("/_stcore/health", RouteKind.PUBLIC),
    RouteRule("/healthz", RouteKind.PUBLIC),
    # Video-session participants may have no account: the join token in the path is their
    # credential, checked by the join routes (which mark refusals for the audit).
    RouteRule("/join", RouteKind.PUBLIC),
    RouteRule("/api", RouteKind.API),
    RouteRule("/streams", RouteKind.API),
    RouteRule("/whip", RouteKind.API),
    RouteRule("/whep", RouteKind.API),
    RouteRule("/metrics", RouteKind.API, action="metrics.read"),
    RouteRule("/_stcore", RouteKind.API),
    RouteRule("/component", RouteKind.API),
    RouteRule("/media", RouteKind.API),
)


def rule_for(rules: tuple[RouteRule, ...], path: str) -> RouteRule:
    for rule in rules:
        if rule.matches(path):
            return rule
    return RouteRule(path, RouteKind.PAGE)
