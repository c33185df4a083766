"""The Alembic migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dashboard.server.cli import main as zongzhi
from dispatch.db import Base, make_engine
from dispatch.desk import search_index
from dispatch.migrate import current, head, upgrade

# Every package with tables in the chain of revisions registers them on import.
for module in ("dispatch.models", "dispatch.accounts.models", "dispatch.consultation.models"):
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        pass


def test_upgrade_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert current(engine) == head()
        with engine.connect() as conn:
            diff = compare_metadata(
                # The search index is backend-specific DDL, outside the models.
                MigrationContext.configure(
                    conn,
                    opts={"compare_type": True, "include_name": search_index.include_name},
                ),
                Base.metadata,
            )
        assert diff == []
        upgrade(engine)  # a second run is a no-op
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM cases")) == 0
    finally:
        engine.dispose()


def test_initial_revision_is_first_in_the_chain(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001_initial")
        assert current(engine) == "0001_initial"
        names = set(sa.inspect(engine).get_table_names())
        assert {
            "centers",
            "cases",
            "case_events",
            "dispatch_orders",
            "alerts",
            "attachments",
            "grids",
            "units",
            "departments",
            "people",
            "cameras",
        } <= names
        indexes = {i["name"] for i in sa.inspect(engine).get_indexes("cases")}
        assert {
            "ix_cases_owning_path_reported_at",
            "ix_cases_state",
            "ix_cases_due_at",
            "ix_cases_closed_at",
        } <= indexes
    finally:
        engine.dispose()


def test_cli_db_upgrade(database_url: str, capsys: object) -> None:
    assert zongzhi(["db", "upgrade", "--database-url", database_url]) == 0
    engine = make_engine(database_url)
    try:
        assert current(engine) == head()
    finally:
        engine.dispose()
