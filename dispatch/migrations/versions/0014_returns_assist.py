"""退单 arbitration and 协办 feedback.

Revision ID: 0014_returns_assist
Revises: 0013_trusted_intake

``dispatch_orders`` gains the dispatching center's decision on a return (``return_decision``,
``return_decided_at``, ``return_decided_by``, ``return_decision_note``) and an assist's report
of its part (``feedback``, ``feedback_at``, ``feedback_by``); ``attachments.order_id`` ties a
feedback photo to its order. ``cases`` gains ``order_count`` (orders dispatched, filled from
the existing orders) and ``return_rejected_count``. The KPI rollups gain the counters of the
退单率 (``orders``, ``returns``, ``returns_rejected``): both tables are recreated empty and
:func:`dispatch.migrate.upgrade` refills them from the cases right after the migrations run.
The migration imports no product code: the columns are written out as they are here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_returns_assist"
down_revision = "0013_trusted_intake"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BUCKETS = tuple(f"h{i:02d}" for i in range(25))
COUNTERS_0012 = (
    "reported", "reported_closed", "accepted", "closed", "closed_on_time", "reworked",
    "extended", "visits", "satisfied", "handling_seconds",
    "level1", "level2", "level3", "level4", *BUCKETS,
    "satisfied_strict", "reworks", "resolutions", "extended_late", "overdue_in", "overdue_out",
)  # fmt: skip
COUNTERS = (*COUNTERS_0012, "orders", "returns", "returns_rejected")
ORDER_COLUMNS = (
    ("return_decision", sa.String(length=12)),
    ("return_decided_at", TS),
    ("return_decided_by", sa.String(length=64)),
    ("return_decision_note", sa.Text()),
    ("feedback", sa.Text()),
    ("feedback_at", TS),
    ("feedback_by", sa.String(length=64)),
)


def _rollups(counters: tuple[str, ...]) -> None:
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
        sa.Column("late_from", TS, nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )


def upgrade() -> None:
    with op.batch_alter_table("dispatch_orders") as batch:
        for name, type_ in ORDER_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_attachments_order_id_dispatch_orders", "dispatch_orders", ["order_id"], ["id"]
        )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("return_rejected_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("order_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE cases SET order_count = (SELECT count(*) FROM dispatch_orders o "
        "WHERE o.case_id = cases.id)"
    )
    _rollups(COUNTERS)


def downgrade() -> None:
    _rollups(COUNTERS_0012)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("order_count")
        batch.drop_column("return_rejected_count")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint("fk_attachments_order_id_dispatch_orders", type_="foreignkey")
        batch.drop_column("order_id")
    with op.batch_alter_table("dispatch_orders") as batch:
        for name, _ in reversed(ORDER_COLUMNS):
            batch.drop_column(name)
