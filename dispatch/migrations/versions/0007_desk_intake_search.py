"""The desk: intake details on cases, their search text and index, indexes of the inbox.

Revision ID: 0007_desk_intake_search
Revises: 0006_alert_params

Cases gain ``address``, ``unit_id`` (十联户), ``reporter_phone``, ``sub_kind`` and
``search_text`` (number, title, description, reporter, phone, address and grid name,
lowercased, each between newlines), filled here for the cases already stored. Search runs on
SQLite's FTS5 ``trigram`` index (an external-content table kept in step by triggers) and on a
``pg_trgm`` GIN index on PostgreSQL. The inbox counts by owning center and state, and orders by
addressee and state; the archive and the duplicate hint filter by grid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_desk_intake_search"
down_revision = "0006_alert_params"
branch_labels = None
depends_on = None

FTS = "cases_search"
SQLITE_SEARCH = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "search_text, content='cases', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON cases BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON cases BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
)
POSTGRES_SEARCH = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_cases_search_text_trgm ON cases "
    "USING gin (search_text gin_trgm_ops)",
)


def _field(expr: str, nl: str) -> str:
    return (
        f"replace(replace(replace(coalesce({expr}, ''), {nl}, ' '), char(13), ' '), char(9), ' ')"
    )


def _backfill(dialect: str) -> None:
    nl = "char(10)" if dialect == "sqlite" else "chr(10)"
    fields = [
        "number",
        "title",
        "description",
        "reporter",
        "reporter_phone",
        "address",
        "(SELECT grids.name FROM grids WHERE grids.id = cases.grid_id)",
    ]
    text = f" || {nl} || ".join(_field(f, nl) for f in fields)
    sql = f"UPDATE cases SET search_text = lower({nl} || {text} || {nl})"
    if dialect != "sqlite":
        sql = sql.replace("char(13)", "chr(13)").replace("char(9)", "chr(9)")
    op.execute(sql)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reporter_phone", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("sub_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch.create_foreign_key(op.f("fk_cases_unit_id_units"), "units", ["unit_id"], ["id"])
        batch.create_index(op.f("ix_cases_reporter_phone"), ["reporter_phone"], unique=False)
        batch.create_index(op.f("ix_cases_grid_id"), ["grid_id"], unique=False)
        batch.create_index(
            "ix_cases_owning_path_state",
            ["owning_path", "state"],
            unique=False,
            postgresql_ops={"owning_path": "varchar_pattern_ops"},
        )
    with op.batch_alter_table("dispatch_orders") as batch:
        batch.create_index("ix_dispatch_orders_center_id_state", ["center_id", "state"])
        batch.create_index("ix_dispatch_orders_department_id_state", ["department_id", "state"])
    dialect = op.get_bind().dialect.name
    _backfill(dialect)
    for ddl in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH:
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_cases_search_text_trgm")
    with op.batch_alter_table("dispatch_orders") as batch:
        batch.drop_index("ix_dispatch_orders_department_id_state")
        batch.drop_index("ix_dispatch_orders_center_id_state")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_owning_path_state")
        batch.drop_index(op.f("ix_cases_grid_id"))
        batch.drop_index(op.f("ix_cases_reporter_phone"))
        batch.drop_constraint(op.f("fk_cases_unit_id_units"), type_="foreignkey")
        for name in ("search_text", "sub_kind", "reporter_phone", "unit_id", "address"):
            batch.drop_column(name)
