"""Alembic environment: configured in code by :mod:`dispatch.migrate`, no alembic.ini."""

from __future__ import annotations

import importlib

from alembic import context

from dispatch import (
    models,  # noqa: F401  (registers the core tables)
    rollup,
)
from dispatch.db import Base

# Tables of later revisions register themselves when their package is importable.
for module in ("dispatch.accounts.models", "dispatch.consultation.models"):
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        pass

config = context.config
# The KPI counters live in a metadata of their own (dispatch.rollup), kept by a listener.
target_metadata = [Base.metadata, rollup.metadata]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("dispatch.migrate passes a connection; run migrations through it")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
