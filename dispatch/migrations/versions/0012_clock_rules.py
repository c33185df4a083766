"""Rules of the clock: late extensions (逾期延期) on cases, and the KPI counters they need.

Revision ID: 0012_clock_rules
Revises: 0011_account_admin

``cases`` gains ``late_extension_count`` (extensions granted after the deadline) and
``extension_requested_days`` (a late request awaiting the next level). The KPI rollups gain
counters (strict satisfaction, reworks and resolutions, late extensions, the days cases became
and stopped being overdue) and ``kpi_open.late_from``: both tables are recreated empty, and
:func:`dispatch.migrate.upgrade` refills them from the cases right after the migrations run.
The migration imports no product code: the columns are written out as they are at this
revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_clock_rules"
down_revision = "0011_account_admin"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BUCKETS = tuple(f"h{i:02d}" for i in range(25))
COUNTERS_0004 = (
    "reported", "reported_closed", "accepted", "closed", "closed_on_time", "reworked",
    "extended", "visits", "satisfied", "handling_seconds",
    "level1", "level2", "level3", "level4", *BUCKETS,
)  # fmt: skip
COUNTERS = (
    *COUNTERS_0004,
    "satisfied_strict", "reworks", "resolutions", "extended_late", "overdue_in", "overdue_out",
)  # fmt: skip


def _rollups(counters: tuple[str, ...], late_from: bool) -> None:
    op.drop_table("kpi_open")
    op.drop_table("kpi_daily")
    op.create_table(
        "kpi_daily",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("child", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in counters),
        sa.PrimaryKeyConstraint("scope", "child", "day"),
    )
    op.create_table(
        "kpi_open",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("owning_path", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("due_at", TS, nullable=True),
        *([sa.Column("late_from", TS, nullable=True)] if late_from else []),
        sa.PrimaryKeyConstraint("case_id"),
    )


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("late_extension_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("extension_requested_days", sa.SmallInteger(), nullable=True))
    _rollups(COUNTERS, late_from=True)


def downgrade() -> None:
    _rollups(COUNTERS_0004, late_from=False)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("extension_requested_days")
        batch.drop_column("late_extension_count")
