"""The single sign-on hand-off ledger: each identity cookie opens one session, on any process.

The provider's identity cookie is accepted while fresh (``handoff_seconds``); within that
window a copy of it must not open a second session. The ledger is a table, so the processes
behind a load balancer share it: the first insert of a digest wins, every later one (here or
on another process) finds it taken.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch.accounts.crypto import utcnow
from dispatch.accounts.models import SsoHandoff

#: Kept beyond the cookie's own freshness, so clocks a little apart cannot reopen the window.
MARGIN = timedelta(seconds=60)


def cookie_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def first_use(session: Session, digest: str, fresh_seconds: float, *,
              now: datetime | None = None) -> bool:
    """True the first time ``digest`` is presented (and records it), False for any replay.

    Entries past their time are dropped on the way. The caller commits.
    """
    now = now or utcnow()
    table = SsoHandoff.__table__
    session.execute(sa.delete(table).where(table.c.used_until < now))
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name
    ]
    stmt = insert(table).values(
        digest=digest, used_until=now + timedelta(seconds=fresh_seconds) + MARGIN
    ).on_conflict_do_nothing(index_elements=[table.c.digest]).returning(table.c.digest)
    # RETURNING, not rowcount: the driver's rowcount of an upsert is not reliable everywhere.
    return session.execute(stmt).scalar_one_or_none() is not None
