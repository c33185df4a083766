"""How a browser session was opened: ``web_sessions.method`` ("password" or "oidc").

Revision ID: 0005_session_method
Revises: 0004_kpi_rollups

A one-time password forces its owner to the password form, but only in sessions opened with
that password: a person who signs in through the OpenID Connect provider never uses it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_session_method"
down_revision = "0004_kpi_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=16), server_default="password", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("method")
