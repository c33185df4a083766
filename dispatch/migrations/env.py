"""Alembic environment: configured in code by :mod:`dispatch.migrate`, no alembic.ini."""

from __future__ import annotations

from alembic import context

# Every package with tables in the chain of revisions registers them on import.
from dispatch import models, rollup  # noqa: F401  (rollup: the KPI tables)
from dispatch.accounts import models as accounts_models  # noqa: F401
from dispatch.consultation import models as consultation_models  # noqa: F401
from dispatch.db import Base
from dispatch.desk import search_index

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("dispatch.migrate passes a connection; run migrations through it")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The search index (FTS5 tables, the pg_trgm index) is DDL of its own, not in the models.
        include_name=search_index.include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
