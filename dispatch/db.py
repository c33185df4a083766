"""Database plumbing: the declarative base, engines and session factories.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the web process and the
clock task can write while pages read. PostgreSQL needs nothing special.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings this product relies on."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = sa.create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def violated_constraint(error: sa.exc.IntegrityError) -> str | None:
    """The name of the constraint an ``IntegrityError`` reports, on either backend.

    PostgreSQL names it (``diag.constraint_name``). SQLite reports only the table and columns
    of a failed unique constraint, in a fixed format; they are looked up among the unique
    constraints and indexes declared on :data:`Base.metadata` to give the same name.
    """
    orig = error.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None)
    text = str(orig)
    if not text.startswith(_SQLITE_UNIQUE):
        return None
    qualified = [c.strip() for c in text[len(_SQLITE_UNIQUE) :].split(",")]
    table_name = qualified[0].split(".")[0]
    columns = {c.split(".", 1)[-1] for c in qualified}
    table = Base.metadata.tables.get(table_name)
    if table is None:
        return None
    for item in (*table.constraints, *table.indexes):
        if isinstance(item, sa.UniqueConstraint | sa.Index) and {c.name for c in item.columns} == columns:
            if isinstance(item, sa.Index) and not item.unique:
                continue
            return str(item.name)
    return None


def columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    """``{name: row.name}`` for each of ``names``, in their order."""
    return {name: getattr(row, name) for name in names}
