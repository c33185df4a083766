"""Single sign-on at the login page: the button's start, and the hand-off of a fresh, validly
signed identity from the provider to an ordinary local session."""

from __future__ import annotations

import logging
from urllib.parse import quote, unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboard.auth import sso
from dashboard.auth.cookies import SESSION_COOKIE, client_address
from dashboard.auth.login_context import (
    LoginContext,
    cookie,
    forget_sso,
    form_page,
    safe_next,
    session_cookies,
)
from dashboard.auth.page import MESSAGES
from dispatch.accounts import audit, handoff, sessions
from dispatch.accounts.audit import AuditEvent

log = logging.getLogger("dashboard.auth.login")


async def sso_handoff(ctx: LoginContext, request: Request) -> Response | None:
    """Turn a fresh, validly signed identity from the provider into a session (or refuse)."""
    assert ctx.settings.oidc is not None
    claims = sso.read_identity(request, ctx.settings.oidc)
    if claims is None:
        return None
    address = client_address(request.scope, ctx.settings)
    digest, fresh = sso.identity_digest(request), ctx.settings.oidc.handoff_seconds

    def first_use() -> bool:  # the ledger is shared by every process behind the balancer
        with ctx.session_factory.begin() as db:
            return handoff.first_use(db, digest, fresh)

    if not await run_in_threadpool(first_use):
        await run_in_threadpool(
            audit.record_now, ctx.session_factory, AuditEvent.LOGIN_FAILED, address=address,
            status=401, reason="replayed", method="oidc",
        )
        return forget_sso(ctx, form_page(ctx, request, None, 401), request)
    username = sso.claimed_username(claims, ctx.settings.oidc)
    if username is None:
        await run_in_threadpool(
            audit.record_now, ctx.session_factory, AuditEvent.LOGIN_FAILED, address=address,
            status=401, reason="no_claim", method="oidc", claim=ctx.settings.oidc.username_claim,
        )
        return forget_sso(ctx, form_page(ctx, request, MESSAGES["sso_no_claim"], 401), request)
    previous = request.cookies.get(SESSION_COOKIE)

    def attempt() -> sessions.LoginOutcome:
        with ctx.session_factory.begin() as db:
            if previous:  # a stale session of this browser ends with the new login
                sessions.logout(db, previous, address=address)
            return sessions.login_external(
                db, username, ctx.settings, method="oidc", address=address,
                user_agent=request.headers.get("user-agent", ""),
            )

    outcome = await run_in_threadpool(attempt)
    if not outcome.ok or outcome.token is None:
        key = "sso_disabled" if outcome.reason == "disabled" else "sso_unknown"
        return forget_sso(ctx, form_page(ctx, request, MESSAGES[key], 403), request)
    target = safe_next(unquote(request.cookies.get(sso.NEXT_COOKIE) or "")
                       or request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303)
    session_cookies(ctx, response, request, outcome.token)
    response.headers.append("set-cookie", cookie(ctx, request, sso.NEXT_COOKIE, "", http_only=True, max_age=0))
    return response


async def start_sso(request: Request, ctx: LoginContext) -> Response:
    """The login page's button: remember ``next``, then Streamlit's login route."""
    if ctx.settings.oidc is None:
        return RedirectResponse("/login", status_code=303)
    try:
        url = sso.start_url()
    except Exception:  # Authlib missing or the secrets not loaded: say so, keep passwords
        log.exception("single sign-on cannot start")
        return form_page(ctx, request, MESSAGES["sso_unavailable"], 503)
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    nxt = quote(safe_next(request.query_params.get("next")), safe="")
    response.headers.append("set-cookie", cookie(ctx, request, sso.NEXT_COOKIE, nxt, http_only=True, max_age=900))
    return response
