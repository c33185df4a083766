"""KPI counters: ``kpi_daily`` (per center path × child × local day) and ``kpi_open``.

Revision ID: 0004_kpi_rollups
Revises: 0003_sessions

The tables are filled from the cases already stored, so an existing deployment's KPIs are
right from the first request after the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0004_kpi_rollups"
down_revision = "0003_sessions"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    from dispatch.rollup import COUNTERS, rebuild_rollups

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
    rebuild_rollups(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("kpi_open")
    op.drop_table("kpi_daily")
