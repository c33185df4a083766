"""Logging in and out, and browser sessions that expire (idle and absolute).

The cookie carries a 256-bit random token; the database keeps only its SHA-256, so a copy of
the database opens no session.
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
from dispatch.accounts.crypto import (
    as_utc,
    digest,
    name_digest,
    needs_rehash,
    new_session_token,
    rehash,
    utcnow,
    verify_password,
)
from dispatch.accounts.models import LoginThrottle, User, WebSession
from dispatch.accounts.users import principal_for_user
from dispatch.principal import Principal

log = logging.getLogger("dispatch.accounts.sessions")

#: last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class LoginOutcome:
    """``token`` is the new session's cookie value when ``ok``; ``retry_after`` (seconds) is
    set when the account or the address is slowed down."""

    ok: bool
    reason: str = ""
    token: str | None = None
    user: User | None = None
    retry_after: float = 0.0


@dataclass(frozen=True)
class SessionLookup:
    principal: Principal | None
    reason: str = ""  # "", "unknown", "ended", "expired", "idle", "disabled"
    session_id: int | None = None
    #: The account still has a one-time password: only the password form may be used.
    must_change_password: bool = False


def login(
    session: Session,
    username: str,
    password: str,
    settings: AuthSettings,
    *,
    address: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> LoginOutcome:
    """Check a password, with throttling and audit; opens a session when it matches.

    The caller commits in every case: failures must be counted even when the login fails.
    """
    now = now or utcnow()
    username = username.strip().lower()  # account names are stored in lower case
    user = _find_user(session, username)
    account_key = (
        throttle.user_key(user.id) if user else throttle.name_key(name_digest(username))
    )
    addr_key = throttle.address_key(address)
    actor = user.username if user else None
    unknown = {} if user else {"name_digest": name_digest(username)}

    wait = max(throttle.retry_after(session, account_key, now), throttle.retry_after(session, addr_key, now))
    if wait > 0:
        audit.record(
            session, AuditEvent.LOGIN_THROTTLED, actor=actor, address=address, status=429,
            retry_after=round(wait, 1), **unknown,
        )
        return LoginOutcome(False, "throttled", retry_after=wait)

    matched = verify_password(user.password_hash if user else None, password)
    if not matched or user is None or user.disabled:
        if user is None:
            reason = "unknown_user"
        else:
            reason = "bad_password" if not matched else "disabled"
        delay = max(
            throttle.record_failure(session, account_key, settings.user_throttle, now),
            throttle.record_failure(session, addr_key, settings.address_throttle, now),
        )
        audit.record(
            session, AuditEvent.LOGIN_FAILED, actor=actor, address=address, status=401,
            reason=reason, **unknown,
        )
        return LoginOutcome(False, reason, retry_after=delay)

    throttle.clear(session, account_key)
    if needs_rehash(user.password_hash):
        user.password_hash = rehash(password)
    token = _open_session(session, user, settings, address, user_agent, now, "password")
    audit.record(
        session, AuditEvent.LOGIN, actor=user.username, address=address, status=200,
        center_path=user.center.path,
    )
    return LoginOutcome(True, token=token, user=user)


def login_external(
    session: Session,
    username: str,
    settings: AuthSettings,
    *,
    method: str,
    address: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> LoginOutcome:
    """Open a session for an identity a trusted provider has just asserted (single sign-on).

    No password is involved; the account must exist and be enabled, and its home center and
    roles decide what the session may do, exactly as after a password login. ``method``
    ("oidc") is written to the audit. The caller commits in every case.
    """
    now = now or utcnow()
    username = username.strip().lower()
    user = _find_user(session, username)
    if user is None or user.disabled:
        reason = "unknown_user" if user is None else "disabled"
        unknown = {"name_digest": name_digest(username)} if user is None else {}
        audit.record(
            session, AuditEvent.LOGIN_FAILED, actor=user.username if user else None,
            address=address, status=401, reason=reason, method=method, **unknown,
        )
        return LoginOutcome(False, reason)
    token = _open_session(session, user, settings, address, user_agent, now, method)
    audit.record(
        session, AuditEvent.LOGIN, actor=user.username, address=address, status=200,
        center_path=user.center.path, method=method,
    )
    return LoginOutcome(True, token=token, user=user)


def _find_user(session: Session, username: str) -> User | None:
    return session.scalars(
        sa.select(User).options(joinedload(User.center), joinedload(User.department))
        .where(User.username == username)
    ).one_or_none()


def _open_session(
    session: Session, user: User, settings: AuthSettings, address: str, user_agent: str,
    now: datetime, method: str,
) -> str:
    token = new_session_token()
    session.add(
        WebSession(
            token_hash=digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            idle_seconds=settings.session_idle_minutes * 60,
            address=address[:64],
            user_agent=user_agent[:200],
            method=method,
        )
    )
    user.last_login_at = now
    return token


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
