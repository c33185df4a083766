"""The access audit: who logged in or out, who was refused what, who changed an account.

Rows are only ever inserted. A denial is written even when the request it belongs to fails,
so callers record it in a transaction of its own (:func:`record_now`).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dispatch.accounts.crypto import utcnow
from dispatch.accounts.models import AccessAudit

log = logging.getLogger("dispatch.accounts.audit")

#: Key in an ASGI scope through which a route tells the auth middleware it refused access
#: (status, resource, center path, reason); the middleware writes the audit line. Lets the
#: dispatch API report a 404 that hides an out-of-scope case without importing the middleware.
DENIAL_SCOPE_KEY = "zongzhi.denial"


class AuditEvent(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    SESSION_EXPIRED = "session_expired"
    UNAUTHENTICATED = "unauthenticated"
    DENIED = "denied"
    CSRF_REFUSED = "csrf_refused"
    USER_ADDED = "user_added"
    PASSWORD_CHANGED = "password_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_ROLES_CHANGED = "user_roles_changed"
    USER_CENTER_CHANGED = "user_center_changed"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    PTZ = "ptz"  # a camera turned, zoomed or sent to a preset (resource camera:<id>)


def record(
    session: Session,
    event: AuditEvent,
    *,
    actor: str | None = None,
    address: str = "",
    resource: str = "",
    center_path: str | None = None,
    status: int | None = None,
    **detail: Any,
) -> AccessAudit:
    """Add one audit line to ``session`` (the caller commits). ``detail`` must hold no secret."""
    row = AccessAudit(
        at=utcnow(),
        event=str(event),
        actor=actor,
        address=address[:64],
        resource=resource[:200],
        center_path=center_path,
        status=status,
        detail=detail,
    )
    session.add(row)
    log.info(
        "access %s actor=%s address=%s resource=%s status=%s",
        event, actor or "-", address or "-", resource or "-", status if status is not None else "-",
    )
    return row


def record_now(factory: sessionmaker[Session], event: AuditEvent, **kwargs: Any) -> None:
    """Write one audit line in a transaction of its own."""
    with factory.begin() as session:
        record(session, event, **kwargs)


def mark_denied(
    scope: dict[str, Any], status: int, resource: str, center_path: str | None = None,
    reason: str = "",
) -> None:
    """Tell the auth middleware that this request was refused (it writes the audit line)."""
    scope[DENIAL_SCOPE_KEY] = {
        "status": status, "resource": resource, "center_path": center_path, "reason": reason,
    }
