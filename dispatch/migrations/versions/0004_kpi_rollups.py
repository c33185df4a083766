"""KPI counters: ``kpi_daily`` (per center path × child × local day) and ``kpi_open``.

Revision ID: 0004_kpi_rollups
Revises: 0003_sessions

The tables are created empty; :func:`dispatch.migrate.upgrade` fills them from the cases
already stored right after the migrations run, so an existing deployment's KPIs are right from
the first request after the upgrade. The migration itself imports no product code: the counter
columns are written out as they were at this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_kpi_rollups"
down_revision = "0003_sessions"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BUCKETS = tuple(f"h{i:02d}" for i in range(25))
COUNTERS = (
    "reported", "reported_closed", "accepted", "closed", "closed_on_time", "reworked",
    "extended", "visits", "satisfied", "handling_seconds",
    "level1", "level2", "level3", "level4", *BUCKETS,
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "kpi_daily",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("child", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint("scope", "child", "day"),
    )
    op.create_table(
        "kpi_open",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("owning_path", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("kpi_open")
    op.drop_table("kpi_daily")
