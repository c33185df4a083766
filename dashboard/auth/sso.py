"""Single sign-on with OpenID Connect, through Streamlit's own ``st.login`` routes.

The flow, with ``[auth.oidc]`` configured::

    login page ── "统一身份认证登录" ──▶ GET /login/sso?next=…     (this module: remembers next)
      ──▶ GET /auth/login?provider=…                            (Streamlit + Authlib)
      ──▶ the provider's login ──▶ GET /oauth2callback?code=…    (Streamlit: code → ID token,
                                                                 signed identity cookie)
      ──▶ GET / ──▶ GET /login                                   (this module: hand-off)

At the hand-off the identity cookie Streamlit signed with ``cookie_secret`` is read, the
configured claim is matched to a local account, and an ordinary session of this product is
opened (``method="oidc"``): idle and absolute expiry, audit, CSRF and scope are the same as
after a password login. The identity cookie is accepted only while fresh
(``handoff_seconds``): it is a hand-off, never a credential of its own.

Logging out of an SSO session ends this product's session and then goes through
``/auth/logout``, which clears Streamlit's cookies and ends the provider's session where the
provider offers an ``end_session_endpoint``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request

from config.auth import OidcSettings

log = logging.getLogger("dashboard.auth.sso")

#: Where the login page's button goes; it starts Streamlit's flow with a fresh provider token.
SSO_START_PATH = "/login/sso"
#: Streamlit's routes of the flow (public: the caller has no session yet).
STREAMLIT_AUTH_PREFIX = "/auth"
STREAMLIT_CALLBACK_PATH = "/oauth2callback"
#: Remembers where to go after the provider's round trip (Streamlit always lands on "/").
NEXT_COOKIE = "zongzhi_sso_next"
PROVIDER = "default"


def streamlit_secrets(oidc: OidcSettings) -> dict[str, Any]:
    """The ``[auth]`` secrets Streamlit's ``st.login`` routes read, from our settings."""
    return {
        "auth": {
            "redirect_uri": oidc.redirect_uri,
            "cookie_secret": oidc.cookie_secret.get_secret_value(),
            "client_id": oidc.client_id,
            "client_secret": oidc.client_secret.get_secret_value(),
            "server_metadata_url": oidc.server_metadata_url,
            "client_kwargs": {"scope": oidc.scope},
        }
    }


def start_url() -> str:
    """Streamlit's login route with a provider token made now (it is valid two minutes)."""
    from urllib.parse import quote

    from streamlit.auth_util import encode_provider_token

    return f"{STREAMLIT_AUTH_PREFIX}/login?provider={quote(encode_provider_token(PROVIDER))}"


def identity_cookie_names(request: Request) -> list[str]:
    """Streamlit's identity cookies present on ``request`` (chunks included)."""
    from streamlit.web.server.starlette.starlette_server_config import (
        TOKENS_COOKIE_NAME,
        USER_COOKIE_NAME,
    )

    return [name for name in request.cookies
            if name.startswith((USER_COOKIE_NAME, TOKENS_COOKIE_NAME))]


def read_identity(request: Request, oidc: OidcSettings) -> dict[str, Any] | None:
    """The claims in Streamlit's identity cookie if it is validly signed and fresh, else None."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    secret = oidc.cookie_secret.get_secret_value()
    max_age_days = oidc.handoff_seconds / 86400

    def one(name: str) -> bytes | None:
        value = request.cookies.get(name)
        if value is None:
            return None
        return decode_signed_value(secret, name, value.encode("latin-1"), max_age_days=max_age_days)

    raw = get_cookie_with_chunks(one, USER_COOKIE_NAME)
    if raw is None:
        return None
    try:
        claims = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        log.warning("identity cookie is not JSON; ignored")
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    return claims


def identity_digest(request: Request) -> str:
    """The SHA-256 of the identity cookie (all its chunks): the hand-off ledger's key
    (:mod:`dispatch.accounts.handoff`, a table shared by every process of the deployment)."""
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    from dispatch.accounts.handoff import cookie_digest

    raw = "".join(v for k, v in sorted(request.cookies.items()) if k.startswith(USER_COOKIE_NAME))
    return cookie_digest(raw)


def claimed_username(claims: dict[str, Any], oidc: OidcSettings) -> str | None:
    value = claims.get(oidc.username_claim)
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    return value.strip().lower()


__all__ = [
    "NEXT_COOKIE",
    "SSO_START_PATH",
    "STREAMLIT_AUTH_PREFIX",
    "STREAMLIT_CALLBACK_PATH",
    "claimed_username",
    "identity_cookie_names",
    "identity_digest",
    "read_identity",
    "start_url",
    "streamlit_secrets",
]
