"""Migration 0003_sessions: up from 0002, down again, up again, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.db import make_engine
from dispatch.migrate import current, upgrade

TABLES = {"consult_sessions", "consult_participants", "consult_cameras", "consult_evidence"}


def test_up_down_up(database_url: str) -> None:
    from alembic import command

    from dispatch.migrate import alembic_config

    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002_accounts")
        assert not TABLES & set(sa.inspect(engine).get_table_names())
        upgrade(engine, "0003_sessions")
        assert TABLES <= set(sa.inspect(engine).get_table_names())
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.downgrade(config, "0002_accounts")
        assert not TABLES & set(sa.inspect(engine).get_table_names())
        upgrade(engine)
        assert TABLES <= set(sa.inspect(engine).get_table_names())
        assert current(engine) is not None
    finally:
        engine.dispose()
