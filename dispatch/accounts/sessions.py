"""Logging in and out, and browser sessions that expire (idle and absolute).

The cookie carries a 256-bit random token; the database keeps only its SHA-256, so a copy of
the database opens no session. Logging in is written in :mod:`dispatch.accounts.login` and
answered here too (``sessions.login``, ``sessions.login_external``), so callers use one module
for a session's whole life.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from config.auth import AuthSettings
from dispatch.accounts import audit, throttle
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.crypto import as_utc, digest, utcnow, verify_password
from dispatch.accounts.login import LoginOutcome as LoginOutcome
from dispatch.accounts.login import login as login
from dispatch.accounts.login import login_external as login_external
from dispatch.accounts.models import LoginThrottle, User, WebSession
from dispatch.accounts.users import principal_for_user
from dispatch.principal import Principal

log = logging.getLogger("dispatch.accounts.sessions")

#: last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLookup:
    principal: Principal | None
    reason: str = ""  # "", "unknown", "ended", "expired", "idle", "disabled"
    session_id: int | None = None
    #: The account still has a one-time password: only the password form may be used.
    must_change_password: bool = False


def resolve(session: Session, token: str, *, now: datetime | None = None) -> SessionLookup:
    """The principal of the session whose cookie value is ``token``, if it is still valid.

    An expired session is ended (and audited) the first time it is presented.
    """
    now = now or utcnow()
    row = session.scalars(
        sa.select(WebSession).options(
            joinedload(WebSession.user).joinedload(User.center),
            joinedload(WebSession.user).joinedload(User.department),
        ).where(WebSession.token_hash == digest(token))
    ).one_or_none()
    if row is None:
        return SessionLookup(None, "unknown")
    if row.ended_at is not None:
        return SessionLookup(None, "ended", row.id)
    reason = ""
    if now >= as_utc(row.expires_at):
        reason = "expired"
    elif now - as_utc(row.last_seen_at) > timedelta(seconds=row.idle_seconds):
        reason = "idle"
    elif row.user.disabled:
        reason = "disabled"
    if reason:
        row.ended_at = now
        audit.record(
            session, AuditEvent.SESSION_EXPIRED, actor=row.user.username, status=401,
            reason=reason, session_id=row.id,
        )
        return SessionLookup(None, reason, row.id)
    if now - as_utc(row.last_seen_at) >= TOUCH_INTERVAL:
        row.last_seen_at = now
    # A one-time password binds only sessions opened with it (single sign-on never uses it).
    must_change = row.user.must_change_password and row.method == "password"
    return SessionLookup(principal_for_user(row.user), "", row.id, must_change)


def logout(session: Session, token: str, *, address: str = "", now: datetime | None = None) -> bool:
    """End the session of ``token``; True when an open session was ended."""
    now = now or utcnow()
    row = session.scalars(
        sa.select(WebSession).options(joinedload(WebSession.user))
        .where(WebSession.token_hash == digest(token))
    ).one_or_none()
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = now
    audit.record(session, AuditEvent.LOGOUT, actor=row.user.username, address=address, status=200)
    return True


def change_own_password(
    session: Session,
    username: str,
    current: str,
    new: str,
    settings: AuthSettings,
    *,
    address: str = "",
    now: datetime | None = None,
) -> str:
    """A signed-in user replaces its password; "" on success, else the reason.

    The current password is checked under the same throttle as logins, so the form is no
    way around it. Success ends every session of the user (the caller logs in again).
    """
    from dispatch.accounts.users import get_user, set_password

    now = now or utcnow()
    user = get_user(session, username)
    key = throttle.user_key(user.id)
    if throttle.retry_after(session, key, now) > 0:
        audit.record(session, AuditEvent.LOGIN_THROTTLED, actor=username, address=address, status=429)
        return "throttled"
    if not verify_password(user.password_hash, current):
        throttle.record_failure(session, key, settings.user_throttle, now)
        audit.record(
            session, AuditEvent.LOGIN_FAILED, actor=username, address=address, status=401,
            reason="password_change",
        )
        return "bad_password"
    if verify_password(user.password_hash, new):
        return "same_password"
    set_password(session, username, new, actor=username)
    return ""


def purge(session: Session, *, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete sessions that ended or expired more than ``keep_days`` ago and throttle rows
    whose last failure is older than a day; returns the sessions deleted. The access audit
    keeps its own record of them."""
    now = now or utcnow()
    cutoff = now - timedelta(days=keep_days)
    result = session.execute(
        sa.delete(WebSession).where(
            sa.or_(WebSession.ended_at < cutoff, WebSession.expires_at < cutoff)
        )
    )
    session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - timedelta(days=1),
            sa.or_(
                LoginThrottle.locked_until.is_(None),
                LoginThrottle.locked_until < now,
            ),
        )
    )
    return result.rowcount or 0
