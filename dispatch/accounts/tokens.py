"""API tokens for external systems (12345 hotline, police push…).

A token is bound to a center subtree, to named actions, and to the intake channels it may
report on (``sources``: names of :class:`dispatch.types.Channel`; none named, it reports on
none, see :mod:`dispatch.channels`). Its value is shown once, at creation; only its SHA-256 is
stored. Revoked or expired tokens are refused; ``last_used_at`` shows which tokens are still in
use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from dispatch.accounts import audit
from dispatch.accounts.access import known_action
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.crypto import API_TOKEN_PREFIX, as_utc, digest, new_api_token, utcnow
from dispatch.accounts.errors import AccountError, AccountNotFound
from dispatch.accounts.models import ApiToken
from dispatch.accounts.users import find_center
from dispatch.principal import Principal, Role
from dispatch.types import Channel

TOKEN_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,47}$")
#: Tokens are touched at most this often, so a busy integration does not write on every call.
TOUCH_INTERVAL = timedelta(seconds=60)


def create_token(
    session: Session,
    name: str,
    center: str,
    actions: Sequence[str],
    *,
    sources: Sequence[str] | None = None,
    expires_at: datetime | None = None,
    created_by: str = "setup",
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the token value, which is never shown again."""
    if not TOKEN_NAME_RE.match(name):
        raise AccountError(
            "令牌名须为 2–48 位小写字母、数字或 _.- · token name must be 2–48 characters of "
            "a-z, 0-9, _ . -"
        )
    if session.scalars(sa.select(ApiToken.id).where(ApiToken.name == name)).first() is not None:
        raise AccountError(f"令牌 {name!r} 已存在 · token {name!r} exists")
    actions = sorted({a.strip() for a in actions if a.strip()})
    if not actions:
        raise AccountError("令牌至少需要一个操作 · a token needs at least one action")
    for action in actions:
        if not known_action(action):
            raise AccountError(f"未知操作 {action!r} · unknown action {action!r}")
    channels = {c.value for c in Channel}
    for source in sources or ():
        if source.strip() and source.strip() not in channels:
            raise AccountError(
                f"未知受理渠道 {source.strip()!r} · unknown intake channel {source.strip()!r} "
                f"(channels: {', '.join(c.value for c in Channel)})"
            )
    if expires_at is not None and as_utc(expires_at) <= utcnow():
        raise AccountError("有效期须在将来 · the expiry must lie in the future")
    home = find_center(session, center)
    value = new_api_token()
    row = ApiToken(
        name=name,
        prefix=value[: len(API_TOKEN_PREFIX) + 6],
        token_hash=digest(value),
        center=home,
        actions=actions,
        sources=sorted({s.strip() for s in sources if s.strip()}) if sources else None,
        created_by=created_by,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, AuditEvent.TOKEN_CREATED, actor=created_by, resource=f"token:{name}",
        center_path=home.path, actions=actions, sources=row.sources,
    )
    return row, value


def revoke_token(session: Session, name: str, *, actor: str = "setup") -> ApiToken:
    row = session.scalars(sa.select(ApiToken).where(ApiToken.name == name)).one_or_none()
    if row is None:
        raise AccountNotFound(f"没有令牌 {name!r} · no token {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, AuditEvent.TOKEN_REVOKED, actor=actor, resource=f"token:{name}")
    return row


def token_state(row: ApiToken, now: datetime | None = None) -> str:
    """"active", "revoked" or "expired"."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and (now or utcnow()) >= as_utc(row.expires_at):
        return "expired"
    return "active"


def list_tokens(session: Session) -> list[ApiToken]:
    return list(
        session.scalars(sa.select(ApiToken).options(joinedload(ApiToken.center)).order_by(ApiToken.name))
    )


def resolve_token(session: Session, value: str, *, now: datetime | None = None) -> tuple[Principal | None, str]:
    """The principal of a presented token, or (None, reason): unknown, revoked, expired."""
    now = now or utcnow()
    if not value.startswith(API_TOKEN_PREFIX):
        return None, "unknown"
    row = session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.center))
        .where(ApiToken.token_hash == digest(value))
    ).one_or_none()
    if row is None:
        return None, "unknown"
    if row.revoked_at is not None:
        return None, "revoked"
    if row.expires_at is not None and now >= as_utc(row.expires_at):
        return None, "expired"
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= TOUCH_INTERVAL:
        row.last_used_at = now
    return principal_for_token(row), ""


def principal_for_token(row: ApiToken) -> Principal:
    return Principal(
        actor=f"token:{row.name}",
        center_path=row.center.path,
        roles=frozenset({Role.SYSTEM}),
        name=row.name,
        allowed_actions=frozenset(row.actions),
        allowed_sources=frozenset(row.sources) if row.sources else None,
    )
