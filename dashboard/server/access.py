"""Who is looking: the principal of a request, a WebSocket or a page session.

With accounts enabled the auth middleware (``dashboard.auth``) puts a
:class:`~dispatch.principal.Principal` into the ASGI scope under ``"principal"``. Without it
(a demo started with ``--open``, page tests) the composition root installs an *open* principal:
a leader at the root center, so everything is visible. Nothing here widens a principal that
exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.server.services import services
from dispatch.principal import Principal, Role

SCOPE_KEY = "principal"


class NotAuthenticated(PermissionError):
    pass


def open_principal(root_path: str) -> Principal:
    """The viewer of a deployment running without accounts (demo, tests)."""
    return Principal(
        actor="demo",
        center_path=root_path,
        roles=frozenset({Role.LEADER, Role.OPERATOR, Role.DUTY_OFFICER}),
        name="演示用户 demo",
    )


def principal_of_scope(scope: Mapping[str, Any]) -> Principal:
    """The principal of an ASGI request or WebSocket; raises when there is none."""
    found = scope.get(SCOPE_KEY)
    if isinstance(found, Principal):
        return found
    fallback = services().open_principal
    if fallback is None:
        raise NotAuthenticated("login required")
    return fallback


def page_principal() -> Principal:
    """The principal of the current Streamlit session.

    The auth middleware sees the page's HTTP requests and WebSocket handshake; it hands the
    principal to pages through ``Services.page_principal`` when accounts are enabled.
    """
    svc = services()
    resolver = svc.page_principal
    if resolver is not None:
        found = resolver()
        if found is not None:
            return found
    if svc.open_principal is None:
        raise NotAuthenticated("login required")
    return svc.open_principal
