"""Cookie names, flags and the request facts they depend on (origin, scheme, address)."""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import SimpleCookie
from ipaddress import ip_address, ip_network

from starlette.types import Scope

from config.auth import AuthSettings

SESSION_COOKIE = "zongzhi_session"
#: Readable by the page's scripts on purpose: they echo it in ``X-CSRF-Token`` (double submit).
CSRF_COOKIE = "zongzhi_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def cookies(scope: Scope) -> dict[str, str]:
    raw = header(scope, b"cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header authenticates nobody
        return {}
    return {k: m.value for k, m in jar.items()}


def csrf_for_session(session_token: str) -> str:
    """The CSRF token bound to a session: a one-way function of the session token, so reading
    it (it is not HttpOnly) reveals nothing, and no cookie planted by a sibling host matches."""
    return hashlib.sha256(b"zongzhi-csrf:" + session_token.encode()).hexdigest()


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _from_trusted_proxy(scope: Scope, settings: AuthSettings) -> bool:
    client = scope.get("client")
    if not client or not settings.trusted_proxies:
        return False
    try:
        addr = ip_address(client[0])
    except ValueError:
        return False
    return any(addr in ip_network(net, strict=False) for net in settings.trusted_proxies)


def client_address(scope: Scope, settings: AuthSettings) -> str:
    """The caller's address; X-Forwarded-For is believed only from a trusted proxy."""
    client = scope.get("client")
    addr = client[0] if client else ""
    if _from_trusted_proxy(scope, settings):
        forwarded = header(scope, b"x-forwarded-for")
        if forwarded:
            addr = forwarded.split(",")[-1].strip()
    return addr[:64]


def scheme(scope: Scope, settings: AuthSettings) -> str:
    proto = scope.get("scheme", "http")
    if _from_trusted_proxy(scope, settings):
        proto = (header(scope, b"x-forwarded-proto") or proto).split(",")[0].strip()
    return {"ws": "http", "wss": "https"}.get(proto, proto)


def own_origin(scope: Scope, settings: AuthSettings) -> str:
    host = header(scope, b"host") or ""
    return f"{scheme(scope, settings)}://{host}".lower()


def secure_cookies(scope: Scope, settings: AuthSettings) -> bool:
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    return scheme(scope, settings) == "https"


def set_cookie_header(
    name: str, value: str, *, scope: Scope, settings: AuthSettings, http_only: bool = True,
    max_age: int | None = None,
) -> str:
    parts = [f"{name}={value}", "Path=/", f"SameSite={settings.cookie_samesite.capitalize()}"]
    if http_only:
        parts.append("HttpOnly")
    if secure_cookies(scope, settings):
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
