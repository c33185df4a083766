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


def test_escalations_are_filled_in_from_the_trail(database_url: str) -> None:
    """Migration 0023 gives every earlier 上报 line its ``case_escalations`` row: taken down to
    0022 and up again, a database holds exactly the rows the service wrote."""
    from alembic import command

    from dispatch.db import make_session_factory
    from dispatch.migrate import alembic_config
    from dispatch.registry import import_deployment
    from dispatch.rollup import install_rollups
    from dispatch.sla import Sla
    from tests.dispatch.factories import OPERATOR, VILLAGE_OP, Db, act, deployment, new_case

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        factory = install_rollups(make_session_factory(engine))
        dep = deployment()
        with factory.begin() as session:
            import_deployment(session, dep)
        db = Db(engine, factory, Sla.build(dep.sla, dep.holidays))
        up = new_case(db).id
        act(db, OPERATOR, up, "escalate", reason="涉及多个乡镇")
        village = new_case(db, VILLAGE_OP, center="532622101201").id
        act(db, VILLAGE_OP, village, "escalate", reason="涉及两个村")
        act(db, OPERATOR, village, "escalate", reason="再上报县")
        read = sa.text("SELECT case_id, from_center_id, at FROM case_escalations ORDER BY id")
        with engine.connect() as conn:
            written = [tuple(r) for r in conn.execute(read)]
        assert [r[0] for r in written] == [up, village, village]
        assert len({r[1] for r in written}) == 2  # the township twice, the village once
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0022_reporter_index")
        assert "case_escalations" not in sa.inspect(engine).get_table_names()
        upgrade(engine)
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(read)] == written
    finally:
        engine.dispose()
