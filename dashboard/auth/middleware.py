"""AuthMiddleware: who is calling, for every HTTP request and WebSocket of the process.

It resolves ``Authorization: Bearer <API token>`` or the session cookie to a
:class:`~dispatch.principal.Principal` and puts it in ``scope["principal"]``; routes then
check scope and role. Unauthenticated page requests are redirected to ``/login``; API, stream,
WebRTC and Streamlit-internal requests get 401. It also refuses cross-site state-changing
requests (see :mod:`dashboard.auth.csrf`) and writes every refusal to the access audit,
including 403s answered by the routes behind it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.auth import AuthSettings
from dashboard.auth.cookies import SESSION_COOKIE, client_address, cookies, csrf_for_session, header
from dashboard.auth.csrf import csrf_refusal
from dashboard.auth.routes import DEFAULT_RULES, PASSWORD_PATH, RouteKind, RouteRule, rule_for
from dispatch.accounts import access, audit, sessions, tokens
from dispatch.accounts.audit import DENIAL_SCOPE_KEY, AuditEvent
from dispatch.principal import Principal

log = logging.getLogger("dashboard.auth")

AUTH_SCOPE_KEY = "zongzhi.auth"

#: The message of a 401 by its ``reason`` (also in the answer, for programs to act on).
UNAUTHENTICATED_MESSAGES = {
    "": "请先登录或提供有效令牌 · log in or present a valid token",
    "expired": "令牌或会话已过期 · the token or session has expired",
    "revoked": "令牌已吊销 · the token has been revoked",
    "unknown": "令牌或会话无效 · unknown token or session",
    "malformed": "Authorization 头格式错误，应为 Bearer <令牌> · malformed Authorization header; "
                 "expected Bearer <token>",
    "idle": "会话因长时间未操作已结束 · the session ended after inactivity",
    "ended": "会话已结束 · the session has ended",
    "disabled": "账号已停用 · the account is disabled",
}


def _challenge(ctx: AuthContext) -> str:
    """RFC 6750: a refused token is an ``invalid_token`` with its reason."""
    if ctx.via == "token" and ctx.reason:
        return f'Bearer realm="zongzhi", error="invalid_token", error_description="{ctx.reason}"'
    return 'Bearer realm="zongzhi"'


@dataclass(frozen=True)
class AuthContext:
    """How the caller authenticated: ``via`` is "session", "token" or "" (anonymous)."""

    via: str
    csrf_token: str | None = None
    reason: str = ""  # why a presented credential was refused
    must_change_password: bool = False


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        session_factory: sessionmaker[Session],
        settings: AuthSettings | None = None,
        rules: tuple[RouteRule, ...] = DEFAULT_RULES,
        login_path: str = "/login",
    ) -> None:
        self.app = app
        self.factory = session_factory
        self.settings = settings or AuthSettings()
        self.rules = rules
        self.login_path = login_path

    def _authenticate(self, scope: Scope) -> tuple[Principal | None, AuthContext]:
        authorization = header(scope, b"authorization")
        with self.factory.begin() as db:
            if authorization is not None:
                kind, _, value = authorization.partition(" ")
                if kind.lower() != "bearer" or not value.strip():
                    return None, AuthContext("token", reason="malformed")
                principal, reason = tokens.resolve_token(db, value.strip())
                return principal, AuthContext("token", reason=reason)
            token = cookies(scope).get(SESSION_COOKIE)
            if not token:
                return None, AuthContext("")
            found = sessions.resolve(db, token)
            return found.principal, AuthContext(
                "session", csrf_for_session(token), found.reason, found.must_change_password
            )

    def _audit(self, scope: Scope, event: AuditEvent, principal: Principal | None, **kw: Any) -> None:
        resource = kw.pop("resource", None) or f"{scope.get('method', 'WS')} {scope['path']}"
        audit.record_now(
            self.factory, event, actor=principal.actor if principal else None,
            address=client_address(scope, self.settings), resource=resource, **kw,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rule = rule_for(self.rules, scope["path"])
        principal, ctx = await run_in_threadpool(self._authenticate, scope)
        scope[AUTH_SCOPE_KEY] = ctx
        if principal is not None:
            scope["principal"] = principal
        if rule.kind is RouteKind.PUBLIC:
            # Public routes audit their own refusals (login) or mark them (join links).
            await self._forward_and_audit(scope, receive, send, principal, audit_403=False)
            return
        if ctx.must_change_password and scope["path"] != PASSWORD_PATH:
            # A one-time password opens nothing but the form that replaces it.
            await self._password_first(scope, receive, send, rule)
            return
        refusal = self._refusal(scope, rule, principal, ctx)
        if refusal is not None:
            event, status, reason = refusal
            await run_in_threadpool(self._audit, scope, event, principal, status=status, reason=reason)
            await self._refuse(scope, receive, send, rule, status, ctx)
            return
        await self._forward_and_audit(scope, receive, send, principal)

    def _refusal(
        self, scope: Scope, rule: RouteRule, principal: Principal | None, ctx: AuthContext
    ) -> tuple[AuditEvent, int, str] | None:
        if principal is None:
            return AuditEvent.UNAUTHENTICATED, 401, ctx.reason or "no credentials"
        # API tokens are for programs: never for the pages or Streamlit's socket.
        if ctx.via == "token" and (rule.kind is RouteKind.PAGE or scope["type"] == "websocket"):
            return AuditEvent.DENIED, 403, "token on a page"
        if rule.action and not access.may(principal, rule.action):
            return AuditEvent.DENIED, 403, f"needs {rule.action}"
        if ctx.via == "session":
            why = csrf_refusal(scope, self.settings, ctx.csrf_token)
            if why:
                return AuditEvent.CSRF_REFUSED, 403, why
        return None

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, rule: RouteRule, status: int,
        ctx: AuthContext,
    ) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 4401 if status == 401 else 4403})
            return
        response: Response
        if status == 401 and rule.kind is RouteKind.PAGE and scope["method"] in ("GET", "HEAD"):
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
            expired = "&m=expired" if ctx.reason in ("idle", "expired") else ""
            response = RedirectResponse(
                f"{self.login_path}?next={quote(target, safe='')}{expired}", status_code=303
            )
        elif status == 401:
            reason = ctx.reason or "no_credentials"
            response = JSONResponse(
                {"error": "unauthenticated", "reason": reason,
                 "message": UNAUTHENTICATED_MESSAGES.get(reason, UNAUTHENTICATED_MESSAGES[""])},
                status_code=401, headers={"WWW-Authenticate": _challenge(ctx)},
            )
        else:
            response = JSONResponse(
                {"error": "forbidden", "message": "无权访问 · access denied"}, status_code=403
            )
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)

    async def _password_first(self, scope: Scope, receive: Receive, send: Send, rule: RouteRule) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4403})
            return
        response: Response
        if rule.kind is RouteKind.PAGE and scope["method"] in ("GET", "HEAD"):
            response = RedirectResponse(f"{PASSWORD_PATH}?next={quote(scope['path'], safe='')}", status_code=303)
        else:
            response = JSONResponse(
                {"error": "password_change_required",
                 "message": "请先修改一次性密码 · change your one-time password first"},
                status_code=403,
            )
        await response(scope, receive, send)

    async def _forward_and_audit(
        self, scope: Scope, receive: Receive, send: Send, principal: Principal | None,
        audit_403: bool = True,
    ) -> None:
        audited = False

        async def audit_denial(status: int | None) -> None:
            nonlocal audited
            denial = scope.get(DENIAL_SCOPE_KEY) or {"status": status}
            audited = True
            await run_in_threadpool(
                self._audit, scope, AuditEvent.DENIED, principal,
                status=denial.get("status"), resource=denial.get("resource"),
                center_path=denial.get("center_path"), reason=denial.get("reason", ""),
            )

        async def watch(message: Message) -> None:
            # The audit line is committed before the answer leaves: whoever reads the
            # refusal can already find it in the audit.
            if message["type"] == "http.response.start" and (
                (audit_403 and message["status"] == 403) or DENIAL_SCOPE_KEY in scope
            ):
                await audit_denial(message["status"])
            await send(message)

        if scope["type"] == "http":
            await self.app(scope, receive, watch)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if DENIAL_SCOPE_KEY in scope and not audited:
                await audit_denial(None)
