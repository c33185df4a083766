"""Accounts schema: users, web sessions, API tokens, login throttle state, the single sign-on
hand-off ledger and the access audit.

Nothing secret is stored in clear: passwords are argon2id hashes, session and API tokens are
stored as the SHA-256 of a 256-bit random value (a high-entropy secret needs no slow hash;
the digest only has to be one-way). Unknown login names are kept as digests too, because a
user who types a password into the name field must not find it in the audit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db import Base
from dispatch.models import Center, Department, JsonDict, UtcDateTime


class User(Base):
    """A local account with a home center (it sees that subtree) and its roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    center: Mapped[Center] = relationship()
    department: Mapped[Department | None] = relationship()


class WebSession(Base):
    """A browser session. ``token_hash`` is the SHA-256 of the cookie value.

    A session ends at ``expires_at`` (absolute), after ``idle_seconds`` without a request, at
    logout (``ended_at``) and when its user is disabled or changes password.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    idle_seconds: Mapped[int] = mapped_column(sa.Integer)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    #: "password" (the login form) or "oidc" (single sign-on)
    method: Mapped[str] = mapped_column(sa.String(16), default="password", server_default="password")

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A token for an external system, bound to a center subtree and to named actions.

    ``actions`` lists what it may do (workflow action names, ``stream.view`` …); ``sources``,
    when set, the intake sources it may create cases for. ``prefix`` is the first characters
    of the token, shown in listings so an operator can tell tokens apart.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(48), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    actions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sources: Mapped[list[str] | None] = mapped_column(sa.JSON)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    center: Mapped[Center] = relationship()


class LoginThrottle(Base):
    """Failed-login state for one key (``user:<id>``, ``name:<digest>`` or ``addr:<ip>``).

    Kept in the database so every process of a deployment sees the same counts.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SsoHandoff(Base):
    """An identity cookie of the single sign-on provider already turned into a session
    (its SHA-256), remembered ``used_until`` it can no longer be fresh: a copy replayed on
    any process of the deployment opens nothing."""

    __tablename__ = "sso_handoffs"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AccessAudit(Base):
    """One append-only line of the access audit: logins, logouts, denials, account changes."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    event: Mapped[str] = mapped_column(sa.String(24), index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    resource: Mapped[str] = mapped_column(sa.String(200), default="")
    center_path: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)


ACCOUNT_TABLES = (User, WebSession, ApiToken, LoginThrottle, SsoHandoff, AccessAudit)
