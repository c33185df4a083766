"""State that several app processes share: ``sso_handoffs``.

Revision ID: 0019_replica_state
Revises: 0018_risk_review

An identity cookie from the single sign-on provider may open one session only. The ledger of
cookies already used lived in memory, which held only while one process served the product;
behind a load balancer a copied cookie could be replayed on another process. The ledger is now
a table (the digest of the cookie and until when it is remembered).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_replica_state"
down_revision = "0018_risk_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sso_handoffs",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("used_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_handoffs_used_until", "sso_handoffs", ["used_until"])


def downgrade() -> None:
    op.drop_index("ix_sso_handoffs_used_until", table_name="sso_handoffs")
    op.drop_table("sso_handoffs")
