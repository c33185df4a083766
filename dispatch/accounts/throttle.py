"""Failed-login throttling per (account, address) pair and per address, in the database.

A login is slowed by the failures of its own pair (this account from this address) and, far
later, by the failures of its address as a whole (a spray across many accounts). Failures on
one account never slow another account, and failures from one address never slow the same
account from another address: the throttle cannot be turned on a victim from elsewhere.

Counts are incremented with one atomic upsert, so concurrent attempts from several processes
all count. The check runs before the password is verified: a locked key costs the attacker
nothing but also costs the server no argon2 work.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from config.auth import ThrottlePolicy
from dispatch.accounts.crypto import as_utc, utcnow
from dispatch.accounts.models import LoginThrottle


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def name_key(name_digest: str) -> str:
    return f"name:{name_digest}"


def address_key(address: str) -> str:
    return f"addr:{address[:64]}"


def pair_key(account_key: str, address: str) -> str:
    """The key of one account (``user:<id>`` or ``name:<digest>``) tried from one address."""
    key = f"pair:{account_key}@{address[:64]}"
    if len(key) <= 80:
        return key  # readable in the table for every IPv4 and IPv6 address
    return "pair:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def retry_after(session: Session, key: str, now: datetime | None = None) -> float:
    """Seconds until ``key`` may try again (0 when it may try now)."""
    now = now or utcnow()
    table = LoginThrottle.__table__
    locked_until = session.execute(
        sa.select(table.c.locked_until).where(table.c.key == key)
    ).scalar_one_or_none()
    if locked_until is None:
        return 0.0
    return max(0.0, (as_utc(locked_until) - now).total_seconds())


def record_failure(
    session: Session, key: str, policy: ThrottlePolicy, now: datetime | None = None
) -> float:
    """Count one failure for ``key``; returns the lock now in force, in seconds."""
    now = now or utcnow()
    table = LoginThrottle.__table__
    stale_before = now - timedelta(seconds=policy.window_seconds)
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(table).values(
        key=key, failures=1, first_failure_at=now, last_failure_at=now, locked_until=None
    )
    # A failure after a quiet window starts the count again.
    stale = table.c.last_failure_at < stale_before
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": sa.case((stale, 1), else_=table.c.failures + 1),
            "first_failure_at": sa.case((stale, now), else_=table.c.first_failure_at),
            "last_failure_at": now,
        },
    )
    session.execute(stmt)
    failures = session.execute(
        sa.select(table.c.failures).where(table.c.key == key)
    ).scalar_one()
    delay = policy.delay_after(failures)
    locked_until = now + timedelta(seconds=delay) if delay else None
    session.execute(
        sa.update(table).where(table.c.key == key).values(locked_until=locked_until)
    )
    return delay


def clear(session: Session, key: str) -> None:
    """Forget the failures of ``key`` (after a successful login of that account)."""
    session.execute(sa.delete(LoginThrottle.__table__).where(LoginThrottle.__table__.c.key == key))
