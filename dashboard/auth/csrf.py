"""Cross-site request forgery checks for requests that a browser sends with our cookies.

Three layers, each enough against today's browsers, together robust against older ones:

1. Fetch metadata: ``Sec-Fetch-Site`` other than ``same-origin`` / ``none`` is refused.
2. ``Origin``, when present, must be this server's origin (or one configured in
   ``auth.allowed_origins`` for a reverse proxy that rewrites Host). ``Origin: null`` is refused.
3. When a request carries neither header (an old browser), it must echo the CSRF cookie in
   ``X-CSRF-Token``; the cookie is derived from the session token (double submit bound to
   the session), so a cookie planted by a sibling host cannot match.

The same Origin rule closes Streamlit's WebSocket (``/_stcore/stream``) to other sites: its own
check admits every origin when CORS is off. Streamlit's upload route keeps its own XSRF token
on top of this. Requests authenticated by ``Authorization: Bearer`` carry no ambient
credential and are not checked. The login and logout forms check their form field themselves.
"""

from __future__ import annotations

from starlette.types import Scope

from config.auth import AuthSettings
from dashboard.auth.cookies import CSRF_HEADER, header, own_origin, tokens_match

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_refusal(scope: Scope, settings: AuthSettings) -> str | None:
    """Why this request's origin headers are not acceptable, or None."""
    site = header(scope, b"sec-fetch-site")
    if site is not None and site.lower() not in ALLOWED_FETCH_SITES:
        return f"sec-fetch-site {site}"
    origin = header(scope, b"origin")
    if origin is not None:
        allowed = {own_origin(scope, settings), *(o.lower().rstrip("/") for o in settings.allowed_origins)}
        if origin.lower().rstrip("/") not in allowed:
            return "origin mismatch"
    return None


def csrf_refusal(scope: Scope, settings: AuthSettings, expected_token: str | None) -> str | None:
    """Why a state-changing browser request must be refused, or None to let it through.

    ``expected_token`` is the CSRF token of the caller's session (None without a session).
    """
    if scope["type"] == "http" and scope["method"] in SAFE_METHODS:
        return None
    refusal = origin_refusal(scope, settings)
    if refusal or scope["type"] != "http":
        return refusal
    if header(scope, b"sec-fetch-site") is None and header(scope, b"origin") is None:
        if not tokens_match(header(scope, CSRF_HEADER.encode()), expected_token):
            return "no origin and no csrf token"
    return None
