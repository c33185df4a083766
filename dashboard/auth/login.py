"""``/login`` and ``/logout``: the form, the session cookie, and their CSRF checks.

A new session token is issued at every login (no session fixation). The form carries a CSRF
token matching a cookie (double submit) and must come from this origin. Logging out is a POST
with the session's CSRF token; ``GET /logout`` only shows a button for it.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
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
    set_cookie_header,
    tokens_match,
)
from dashboard.auth.csrf import origin_refusal
from dashboard.auth.page import MESSAGES, PAGE_HEADERS, login_page, logout_page, password_page
from dashboard.auth.routes import PASSWORD_PATH
from dispatch.accounts import audit, sessions
from dispatch.accounts.audit import AuditEvent

MAX_FORM_BYTES = 8192
log = logging.getLogger("dashboard.auth.login")


def safe_next(target: str | None) -> str:
    """Only paths of this site: no scheme, no host, no protocol-relative ``//`` or ``/\\``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def build_login_routes(
    session_factory: sessionmaker[Session], settings: AuthSettings | None = None
) -> list[Route]:
    settings = settings or AuthSettings()

    def cookie(request: Request, name: str, value: str, *, http_only: bool, max_age: int | None = None) -> str:
        return set_cookie_header(
            name, value, scope=request.scope, settings=settings, http_only=http_only, max_age=max_age
        )

    def form_page(request: Request, message: str | None, status: int, *, info: bool = False,
                  username: str = "", extra: dict[str, str] | None = None) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or ""
        fresh = len(token) < 32
        if fresh:
            token = secrets.token_hex(32)
        nxt = safe_next(request.query_params.get("next") or request.scope.get("zongzhi.next"))
        label = settings.oidc.label if settings.oidc is not None else None
        response = _html(login_page(token, nxt, message, info, username, label), status, extra)
        if fresh:
            response.headers.append("set-cookie", cookie(request, CSRF_COOKIE, token, http_only=False))
        return response

    def session_cookies(response: Response, request: Request, token: str) -> None:
        response.headers["Cache-Control"] = "no-store"
        response.headers.append("set-cookie", cookie(request, SESSION_COOKIE, token, http_only=True))
        response.headers.append(
            "set-cookie", cookie(request, CSRF_COOKIE, csrf_for_session(token), http_only=False)
        )

    def forget_sso(response: Response, request: Request) -> Response:
        """Drop Streamlit's identity cookies (a refused hand-off must not be retried)."""
        for name in sso.identity_cookie_names(request):
            response.headers.append("set-cookie", cookie(request, name, "", http_only=True, max_age=0))
        return response

    ledger = sso.HandoffLedger()

    async def sso_handoff(request: Request) -> Response | None:
        """Turn a fresh, validly signed identity from the provider into a session (or refuse)."""
        assert settings.oidc is not None
        claims = sso.read_identity(request, settings.oidc)
        if claims is None:
            return None
        address = client_address(request.scope, settings)
        if not ledger.first_use(request, settings.oidc.handoff_seconds):
            await run_in_threadpool(
                audit.record_now, session_factory, AuditEvent.LOGIN_FAILED, address=address,
                status=401, reason="replayed", method="oidc",
            )
            return forget_sso(form_page(request, None, 401), request)
        username = sso.claimed_username(claims, settings.oidc)
        if username is None:
            await run_in_threadpool(
                audit.record_now, session_factory, AuditEvent.LOGIN_FAILED, address=address,
                status=401, reason="no_claim", method="oidc", claim=settings.oidc.username_claim,
            )
            return forget_sso(form_page(request, MESSAGES["sso_no_claim"], 401), request)
        previous = request.cookies.get(SESSION_COOKIE)

        def attempt() -> sessions.LoginOutcome:
            with session_factory.begin() as db:
                if previous:  # a stale session of this browser ends with the new login
                    sessions.logout(db, previous, address=address)
                return sessions.login_external(
                    db, username, settings, method="oidc", address=address,
                    user_agent=request.headers.get("user-agent", ""),
                )

        outcome = await run_in_threadpool(attempt)
        if not outcome.ok or outcome.token is None:
            key = "sso_disabled" if outcome.reason == "disabled" else "sso_unknown"
            return forget_sso(form_page(request, MESSAGES[key], 403), request)
        target = safe_next(unquote(request.cookies.get(sso.NEXT_COOKIE) or "")
                           or request.query_params.get("next"))
        response = RedirectResponse(target, status_code=303)
        session_cookies(response, request, outcome.token)
        response.headers.append("set-cookie", cookie(request, sso.NEXT_COOKIE, "", http_only=True, max_age=0))
        return response

    async def start_sso(request: Request) -> Response:
        """The login page's button: remember ``next``, then Streamlit's login route."""
        if settings.oidc is None:
            return RedirectResponse("/login", status_code=303)
        try:
            url = sso.start_url()
        except Exception:  # Authlib missing or the secrets not loaded: say so, keep passwords
            log.exception("single sign-on cannot start")
            return form_page(request, MESSAGES["sso_unavailable"], 503)
        response = RedirectResponse(url, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        nxt = quote(safe_next(request.query_params.get("next")), safe="")
        response.headers.append("set-cookie", cookie(request, sso.NEXT_COOKIE, nxt, http_only=True, max_age=900))
        return response

    async def show_login(request: Request) -> Response:
        if request.scope.get("principal") is not None and request.scope["zongzhi.auth"].via == "session":
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        if settings.oidc is not None:
            handed = await sso_handoff(request)
            if handed is not None:
                return handed
        key = request.query_params.get("m")
        return form_page(
            request, MESSAGES.get(key or ""), 200, info=key in ("logged_out", "password_changed")
        )

    async def do_login(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return _html(login_page("", "/", "请求过大 · request too large"), 413)
        form = await request.form(max_files=0, max_fields=8)
        username = str(form.get("username") or "").strip()[:64]
        password = str(form.get("password") or "")[:256]
        request.scope["zongzhi.next"] = str(form.get("next") or "/")
        address = client_address(request.scope, settings)
        if origin_refusal(request.scope, settings) or not tokens_match(
            str(form.get(CSRF_FIELD) or ""), request.cookies.get(CSRF_COOKIE)
        ):
            await run_in_threadpool(
                audit.record_now, session_factory, AuditEvent.CSRF_REFUSED,
                address=address, resource="POST /login", status=403,
            )
            return form_page(request, MESSAGES["csrf"], 403, username=username)

        previous = request.cookies.get(SESSION_COOKIE)

        def attempt() -> sessions.LoginOutcome:
            with session_factory.begin() as db:
                if previous:  # a new login replaces the browser's old session
                    sessions.logout(db, previous, address=address)
                return sessions.login(
                    db, username, password, settings, address=address,
                    user_agent=request.headers.get("user-agent", ""),
                )

        outcome = await run_in_threadpool(attempt)
        if not outcome.ok:
            if outcome.reason == "throttled":
                seconds = max(1, int(outcome.retry_after + 0.999))
                return form_page(
                    request, MESSAGES["throttled"].format(seconds=seconds), 429,
                    username=username, extra={"Retry-After": str(seconds)},
                )
            return form_page(request, MESSAGES["failed"], 401, username=username)
        assert outcome.token is not None and outcome.user is not None
        target = safe_next(request.scope["zongzhi.next"])
        if outcome.user.must_change_password:
            target = f"{PASSWORD_PATH}?next={quote(target, safe='')}"
        response = RedirectResponse(target, status_code=303)
        session_cookies(response, request, outcome.token)
        return response

    async def show_logout(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if not token or request.scope.get("principal") is None:
            return RedirectResponse("/login", status_code=303)
        return _html(logout_page(csrf_for_session(token)))

    async def do_logout(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        form = await request.form(max_files=0, max_fields=4)
        supplied = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
        address = client_address(request.scope, settings)
        if token and (origin_refusal(request.scope, settings) or not tokens_match(supplied, csrf_for_session(token))):
            await run_in_threadpool(
                audit.record_now, session_factory, AuditEvent.CSRF_REFUSED,
                address=address, resource="POST /logout", status=403,
            )
            return _html(logout_page(csrf_for_session(token)), 403)
        if token:
            def end() -> None:
                with session_factory.begin() as db:
                    sessions.logout(db, token, address=address)
            await run_in_threadpool(end)
        # After single sign-on, Streamlit's /auth/logout clears its identity cookies and ends
        # the provider's session too (then lands back on the login page).
        signed_on = settings.oidc is not None and sso.identity_cookie_names(request)
        response = RedirectResponse(
            f"{sso.STREAMLIT_AUTH_PREFIX}/logout" if signed_on else "/login?m=logged_out",
            status_code=303,
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers.append("set-cookie", cookie(request, SESSION_COOKIE, "", http_only=True, max_age=0))
        response.headers.append("set-cookie", cookie(request, CSRF_COOKIE, "", http_only=False, max_age=0))
        return response

    async def show_password(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if not token or request.scope.get("principal") is None:
            return RedirectResponse("/login", status_code=303)
        ctx = request.scope.get("zongzhi.auth")
        message = MESSAGES["must_change"] if ctx is not None and ctx.must_change_password else None
        nxt = safe_next(request.query_params.get("next"))
        return _html(password_page(csrf_for_session(token), nxt, message))

    async def do_password(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        principal = request.scope.get("principal")
        if not token or principal is None or request.scope["zongzhi.auth"].via != "session":
            return RedirectResponse("/login", status_code=303)
        form = await request.form(max_files=0, max_fields=8)
        csrf = csrf_for_session(token)
        nxt = safe_next(str(form.get("next") or "/"))
        if not tokens_match(str(form.get(CSRF_FIELD) or ""), csrf):
            return _html(password_page(csrf, nxt, MESSAGES["csrf"]), 403)
        current = str(form.get("current") or "")[:256]
        new = str(form.get("new") or "")[:256]
        if new != str(form.get("repeat") or "")[:256]:
            return _html(password_page(csrf, nxt, MESSAGES["mismatch"]), 422)
        address = client_address(request.scope, settings)

        def change() -> str:
            try:
                with session_factory.begin() as db:
                    return sessions.change_own_password(
                        db, principal.actor, current, new, settings, address=address
                    )
            except ValueError as exc:  # too weak: the message names the rule, never the value
                return str(exc)

        reason = await run_in_threadpool(change)
        if reason:
            message = MESSAGES.get("later" if reason == "throttled" else reason, reason)
            status = 429 if reason == "throttled" else 422
            return _html(password_page(csrf, nxt, message), status)
        response = RedirectResponse(
            f"/login?m=password_changed&next={quote(nxt, safe='')}", status_code=303
        )
        response.headers.append("set-cookie", cookie(request, SESSION_COOKIE, "", http_only=True, max_age=0))
        return response

    return [
        Route(PASSWORD_PATH, show_password, methods=["GET", "HEAD"]),
        Route(PASSWORD_PATH, do_password, methods=["POST"]),
        Route("/login", show_login, methods=["GET", "HEAD"]),
        Route(sso.SSO_START_PATH, start_sso, methods=["GET"]),
        Route("/login", do_login, methods=["POST"]),
        Route("/logout", show_logout, methods=["GET", "HEAD"]),
        Route("/logout", do_logout, methods=["POST"]),
    ]
