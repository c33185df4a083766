"""What the login pages share: their typed context, the safe ``next`` target, the page and
cookie helpers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from config.auth import AuthSettings
from dashboard.auth import sso
from dashboard.auth.cookies import CSRF_COOKIE, SESSION_COOKIE, csrf_for_session, set_cookie_header
from dashboard.auth.page import PAGE_HEADERS, login_page


@dataclass(frozen=True)
class LoginContext:
    """The accounts database and the ``[auth]`` settings."""

    session_factory: sessionmaker[Session]
    settings: AuthSettings


def safe_next(target: str | None) -> str:
    """Only paths of this site: no scheme, no host, no protocol-relative ``//`` or ``/\\``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


def html_page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def cookie(ctx: LoginContext, request: Request, name: str, value: str, *, http_only: bool, max_age: int | None = None) -> str:
    return set_cookie_header(
        name, value, scope=request.scope, settings=ctx.settings, http_only=http_only, max_age=max_age
    )


def form_page(ctx: LoginContext, request: Request, message: str | None, status: int, *, info: bool = False,
              username: str = "", extra: dict[str, str] | None = None) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or ""
    fresh = len(token) < 32
    if fresh:
        token = secrets.token_hex(32)
    nxt = safe_next(request.query_params.get("next") or request.scope.get("zongzhi.next"))
    label = ctx.settings.oidc.label if ctx.settings.oidc is not None else None
    response = html_page(login_page(token, nxt, message, info, username, label), status, extra)
    if fresh:
        response.headers.append("set-cookie", cookie(ctx, request, CSRF_COOKIE, token, http_only=False))
    return response


def session_cookies(ctx: LoginContext, response: Response, request: Request, token: str) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers.append("set-cookie", cookie(ctx, request, SESSION_COOKIE, token, http_only=True))
    response.headers.append(
        "set-cookie", cookie(ctx, request, CSRF_COOKIE, csrf_for_session(token), http_only=False)
    )


def forget_sso(ctx: LoginContext, response: Response, request: Request) -> Response:
    """Drop Streamlit's identity cookies (a refused hand-off must not be retried)."""
    for name in sso.identity_cookie_names(request):
        response.headers.append("set-cookie", cookie(ctx, request, name, "", http_only=True, max_age=0))
    return response
