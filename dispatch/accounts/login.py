"""Opening a browser session: by password (throttled) or for an identity a trusted provider
asserted (single sign-on). Both end in :func:`_admit`, which opens the session and audits it.

Callers reach these through :mod:`dispatch.accounts.sessions`, the module of the session's
whole life (log in, resolve, log out, purge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from config.auth import AuthSettings
from dispatch.accounts import audit, throttle
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.crypto import (
    digest,
    name_digest,
    needs_rehash,
    new_session_token,
    rehash,
    utcnow,
    verify_password,
)
from dispatch.accounts.models import User, WebSession


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
class Client:
    """Where a login comes from, as the session and the audit record it."""

    address: str
    user_agent: str
    now: datetime


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
    client = Client(address, user_agent, now or utcnow())
    username = username.strip().lower()  # account names are stored in lower case
    user = _find_user(session, username)
    # Failures count against this account from this address, and against the address as a
    # whole (a much higher ceiling): never against the account from everywhere, which would
    # let anyone keep its owner out, nor against other accounts behind the same address.
    account_key = throttle.pair_key(
        throttle.user_key(user.id) if user else throttle.name_key(name_digest(username)), address
    )
    addr_key = throttle.address_key(address)
    actor = user.username if user else None
    unknown = {} if user else {"name_digest": name_digest(username)}

    wait = max(
        throttle.retry_after(session, account_key, client.now),
        throttle.retry_after(session, addr_key, client.now),
    )
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
            throttle.record_failure(session, account_key, settings.user_throttle, client.now),
            throttle.record_failure(session, addr_key, settings.address_throttle, client.now),
        )
        audit.record(
            session, AuditEvent.LOGIN_FAILED, actor=actor, address=address, status=401,
            reason=reason, **unknown,
        )
        return LoginOutcome(False, reason, retry_after=delay)

    throttle.clear(session, account_key)
    if needs_rehash(user.password_hash):
        user.password_hash = rehash(password)
    return _admit(session, user, settings, client, "password")


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
    client = Client(address, user_agent, now or utcnow())
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
    return _admit(session, user, settings, client, method, method=method)


def _find_user(session: Session, username: str) -> User | None:
    return session.scalars(
        sa.select(User).options(joinedload(User.center), joinedload(User.department))
        .where(User.username == username)
    ).one_or_none()


def _admit(
    session: Session, user: User, settings: AuthSettings, client: Client, via: str,
    **audited: Any,
) -> LoginOutcome:
    """Open a session for ``user`` by ``via`` ("password", "oidc") and audit the login;
    ``audited`` adds to the audit record."""
    token = new_session_token()
    session.add(
        WebSession(
            token_hash=digest(token),
            user_id=user.id,
            created_at=client.now,
            last_seen_at=client.now,
            expires_at=client.now + timedelta(hours=settings.session_absolute_hours),
            idle_seconds=settings.session_idle_minutes * 60,
            address=client.address[:64],
            user_agent=client.user_agent[:200],
            method=via,
        )
    )
    user.last_login_at = client.now
    audit.record(
        session, AuditEvent.LOGIN, actor=user.username, address=client.address, status=200,
        center_path=user.center.path, **audited,
    )
    return LoginOutcome(True, token=token, user=user)
