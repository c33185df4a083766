"""Consultation participant links that last the session.

Revision ID: 0010_consultation_links
Revises: 0009_duty_escalation

``consult_participants.link_nonce``: the token is derived from it with the server's link key,
so the organiser can show a participant's link again (the token itself is still never stored).
``token_expires_at`` becomes optional: a link without one lasts as long as its session.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_consultation_links"
down_revision = "0009_duty_escalation"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("consult_participants") as batch:
        batch.add_column(sa.Column("link_nonce", sa.String(length=32), nullable=True))
        batch.alter_column("token_expires_at", existing_type=TS, nullable=True)


def downgrade() -> None:
    # The old schema needs an expiry: links that lasted the session expire (at their invitation).
    participants = sa.table("consult_participants", sa.column("token_expires_at", TS),
                            sa.column("invited_at", TS))
    op.execute(participants.update().where(participants.c.token_expires_at.is_(None))
               .values(token_expires_at=participants.c.invited_at))
    with op.batch_alter_table("consult_participants") as batch:
        batch.alter_column("token_expires_at", existing_type=TS, nullable=False)
        batch.drop_column("link_nonce")
