"""Migration 0002_accounts creates exactly the accounts tables of the models, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dispatch import migrate
from dispatch.accounts.models import ACCOUNT_TABLES
from dispatch.db import Base, make_engine

MINE = {m.__tablename__ for m in ACCOUNT_TABLES}


def test_upgrade_creates_the_accounts_schema_as_modelled(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert MINE <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )

        def touches_mine(op: object) -> bool:
            flat = op if isinstance(op, tuple) else (op[0] if isinstance(op, list) and op else op)
            return any(name in repr(flat) for name in MINE)

        assert [d for d in diff if touches_mine(d)] == []
    finally:
        engine.dispose()


def test_downgrade_to_the_core_removes_only_the_accounts_tables(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        config = migrate.alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001_initial")
        tables = set(sa.inspect(engine).get_table_names())
        assert not (MINE & tables) and "centers" in tables
    finally:
        engine.dispose()
