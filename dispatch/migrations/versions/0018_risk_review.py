"""The risk register's workflow: the 一案一策 plan's review date and the latest 督办.

Revision ID: 0018_risk_review
Revises: 0017_worker_leases

``cases`` gains ``plan_review_on`` (the plan's next review date, a local day, indexed for the
clock's look for passed dates) and ``supervise_at`` / ``supervise_by`` / ``supervise_note`` /
``supervise_due_on`` (the latest 督办 by a higher center, for the receiving desk's inbox). The
actions themselves (``regrade``, ``plan_review``, ``supervise``) are trail lines and need no
table. The migration imports no product code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_risk_review"
down_revision = "0017_worker_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("plan_review_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("supervise_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("supervise_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("supervise_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("supervise_due_on", sa.Date(), nullable=True))
        batch.create_index("ix_cases_plan_review_on", ["plan_review_on"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_plan_review_on")
        for name in ("supervise_due_on", "supervise_note", "supervise_by", "supervise_at",
                     "plan_review_on"):
            batch.drop_column(name)
