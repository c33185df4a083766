"""``/login`` and ``/logout``: the form, the session cookie, and their CSRF checks.

A new session token is issued at every login (no session fixation). The form carries a CSRF
token matching a cookie (double submit) and must come from this origin. Logging out is a POST
with the session's CSRF token; ``GET /logout`` only shows a button for it.
"""

from __future__ import annotations

import logging
from functools import partial
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from config.auth import AuthSettings
from dashboard.auth import sso
from dashboard.auth.cookies import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    client_address,
    csrf_for_session,
    tokens_match,
)
from dashboard.auth.csrf import origin_refusal
from dashboard.auth.login_context import (
    LoginContext,
    cookie,
    form_page,
    html_page,
    safe_next,
    session_cookies,
)
from dashboard.auth.page import MESSAGES, login_page, logout_page
from dashboard.auth.password import do_password, show_password
from dashboard.auth.routes import PASSWORD_PATH
from dashboard.auth.sso_login import sso_handoff, start_sso
from dispatch.accounts import audit, sessions
from dispatch.accounts.audit import AuditEvent

MAX_FORM_BYTES = 8192
log = logging.getLogger("dashboard.auth.login")


async def show_login(request: Request, ctx: LoginContext) -> Response:
    if request.scope.get("principal") is not None and request.scope["zongzhi.auth"].via == "session":
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if ctx.settings.oidc is not None:
        handed = await sso_handoff(ctx, request)
        if handed is not None:
            return handed
    key = request.query_params.get("m")
    return form_page(ctx, 
        request, MESSAGES.get(key or ""), 200, info=key in ("logged_out", "password_changed")
    )


async def do_login(request: Request, ctx: LoginContext) -> Response:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return html_page(login_page("", "/", "请求过大 · request too large"), 413)
    form = await request.form(max_files=0, max_fields=8)
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:256]
    request.scope["zongzhi.next"] = str(form.get("next") or "/")
    address = client_address(request.scope, ctx.settings)
    if origin_refusal(request.scope, ctx.settings) or not tokens_match(
        str(form.get(CSRF_FIELD) or ""), request.cookies.get(CSRF_COOKIE)
    ):
        await run_in_threadpool(
            audit.record_now, ctx.session_factory, AuditEvent.CSRF_REFUSED,
            address=address, resource="POST /login", status=403,
        )
        return form_page(ctx, request, MESSAGES["csrf"], 403, username=username)

    previous = request.cookies.get(SESSION_COOKIE)

    def attempt() -> sessions.LoginOutcome:
        with ctx.session_factory.begin() as db:
            if previous:  # a new login replaces the browser's old session
                sessions.logout(db, previous, address=address)
            return sessions.login(
                db, username, password, ctx.settings, address=address,
                user_agent=request.headers.get("user-agent", ""),
            )

    outcome = await run_in_threadpool(attempt)
    if not outcome.ok:
        if outcome.reason == "throttled":
            seconds = max(1, int(outcome.retry_after + 0.999))
            return form_page(ctx, 
                request, MESSAGES["throttled"].format(seconds=seconds), 429,
                username=username, extra={"Retry-After": str(seconds)},
            )
        return form_page(ctx, request, MESSAGES["failed"], 401, username=username)
    assert outcome.token is not None and outcome.user is not None
    target = safe_next(request.scope["zongzhi.next"])
    if outcome.user.must_change_password:
        target = f"{PASSWORD_PATH}?next={quote(target, safe='')}"
    response = RedirectResponse(target, status_code=303)
    session_cookies(ctx, response, request, outcome.token)
    return response


async def show_logout(request: Request, ctx: LoginContext) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or request.scope.get("principal") is None:
        return RedirectResponse("/login", status_code=303)
    return html_page(logout_page(csrf_for_session(token)))


async def do_logout(request: Request, ctx: LoginContext) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    form = await request.form(max_files=0, max_fields=4)
    supplied = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    address = client_address(request.scope, ctx.settings)
    if token and (origin_refusal(request.scope, ctx.settings) or not tokens_match(supplied, csrf_for_session(token))):
        await run_in_threadpool(
            audit.record_now, ctx.session_factory, AuditEvent.CSRF_REFUSED,
            address=address, resource="POST /logout", status=403,
        )
        return html_page(logout_page(csrf_for_session(token)), 403)
    if token:
        def end() -> None:
            with ctx.session_factory.begin() as db:
                sessions.logout(db, token, address=address)
        await run_in_threadpool(end)
    # After single sign-on, Streamlit's /auth/logout clears its identity cookies and ends
    # the provider's session too (then lands back on the login page).
    signed_on = ctx.settings.oidc is not None and sso.identity_cookie_names(request)
    response = RedirectResponse(
        f"{sso.STREAMLIT_AUTH_PREFIX}/logout" if signed_on else "/login?m=logged_out",
        status_code=303,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.append("set-cookie", cookie(ctx, request, SESSION_COOKIE, "", http_only=True, max_age=0))
    response.headers.append("set-cookie", cookie(ctx, request, CSRF_COOKIE, "", http_only=False, max_age=0))
    return response


def build_login_routes(
    session_factory: sessionmaker[Session], settings: AuthSettings | None = None
) -> list[Route]:
    ctx = LoginContext(session_factory, settings or AuthSettings())
    return [
        Route(PASSWORD_PATH, partial(show_password, ctx=ctx), methods=["GET", "HEAD"]),
        Route(PASSWORD_PATH, partial(do_password, ctx=ctx), methods=["POST"]),
        Route("/login", partial(show_login, ctx=ctx), methods=["GET", "HEAD"]),
        Route(sso.SSO_START_PATH, partial(start_sso, ctx=ctx), methods=["GET"]),
        Route("/login", partial(do_login, ctx=ctx), methods=["POST"]),
        Route("/logout", partial(show_logout, ctx=ctx), methods=["GET", "HEAD"]),
        Route("/logout", partial(do_logout, ctx=ctx), methods=["POST"]),
    ]
