"""``/password``: the form that replaces a password (the only page a one-time password opens)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboard.auth.cookies import (
    CSRF_FIELD,
    SESSION_COOKIE,
    client_address,
    csrf_for_session,
    tokens_match,
)
from dashboard.auth.login_context import LoginContext, cookie, html_page, safe_next
from dashboard.auth.page import MESSAGES, password_page
from dispatch.accounts import sessions


async def show_password(request: Request, ctx: LoginContext) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or request.scope.get("principal") is None:
        return RedirectResponse("/login", status_code=303)
    ctx = request.scope.get("zongzhi.auth")
    message = MESSAGES["must_change"] if ctx is not None and ctx.must_change_password else None
    nxt = safe_next(request.query_params.get("next"))
    return html_page(password_page(csrf_for_session(token), nxt, message))


async def do_password(request: Request, ctx: LoginContext) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    principal = request.scope.get("principal")
    if not token or principal is None or request.scope["zongzhi.auth"].via != "session":
        return RedirectResponse("/login", status_code=303)
    form = await request.form(max_files=0, max_fields=8)
    csrf = csrf_for_session(token)
    nxt = safe_next(str(form.get("next") or "/"))
    if not tokens_match(str(form.get(CSRF_FIELD) or ""), csrf):
        return html_page(password_page(csrf, nxt, MESSAGES["csrf"]), 403)
    current = str(form.get("current") or "")[:256]
    new = str(form.get("new") or "")[:256]
    if new != str(form.get("repeat") or "")[:256]:
        return html_page(password_page(csrf, nxt, MESSAGES["mismatch"]), 422)
    address = client_address(request.scope, ctx.settings)

    def change() -> str:
        try:
            with ctx.session_factory.begin() as db:
                return sessions.change_own_password(
                    db, principal.actor, current, new, ctx.settings, address=address
                )
        except ValueError as exc:  # too weak: the message names the rule, never the value
            return str(exc)

    reason = await run_in_threadpool(change)
    if reason:
        message = MESSAGES.get("later" if reason == "throttled" else reason, reason)
        status = 429 if reason == "throttled" else 422
        return html_page(password_page(csrf, nxt, message), status)
    response = RedirectResponse(
        f"/login?m=password_changed&next={quote(nxt, safe='')}", status_code=303
    )
    response.headers.append("set-cookie", cookie(ctx, request, SESSION_COOKIE, "", http_only=True, max_age=0))
    return response
