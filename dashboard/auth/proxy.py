"""Behind a reverse proxy: believe ``X-Forwarded-Proto`` and ``X-Forwarded-For`` from the
proxies listed in ``[auth] trusted_proxies``, and only from them.

The outermost middleware rewrites the ASGI scope of a request that came through such a proxy:
``scheme`` becomes the client's (``https``/``wss`` behind a TLS-terminating proxy) and
``client`` the address the proxy saw. Everything downstream then sees the request as the
browser made it: absolute redirects (Starlette's, Streamlit's) keep ``https``, cookies get
``Secure`` (``cookie_secure = "auto"``), the Origin check compares with the public origin, and
the audit and the login throttle record the user's address instead of the proxy's.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from config.auth import AuthSettings

_HTTP = {"http": "http", "https": "https"}
_WS = {"http": "ws", "https": "wss"}


class TrustedProxyHeaders:
    def __init__(self, app: ASGIApp, settings: AuthSettings) -> None:
        self.app = app
        self.networks = [ip_network(net, strict=False) for net in settings.trusted_proxies]

    def _trusted(self, host: str) -> bool:
        try:
            addr = ip_address(host)
        except ValueError:
            return False
        return any(addr in net for net in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks:
            client = scope.get("client")
            if client and self._trusted(client[0]):
                scope = dict(scope)
                self._rewrite(scope)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: dict[str, Any]) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        proto = headers.get("x-forwarded-proto", "")
        proto = proto.split(",")[0].strip().lower()
        if proto in _HTTP:
            scope["scheme"] = (_WS if scope["type"] == "websocket" else _HTTP)[proto]
        forwarded = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
        # The right-most address no trusted proxy added is the client's (the left part of the
        # header is whatever the client sent and proves nothing).
        for addr in reversed(forwarded):
            if not self._trusted(addr):
                scope["client"] = (addr[:64], 0)
                break
        else:
            if forwarded:
                scope["client"] = (forwarded[0][:64], 0)
