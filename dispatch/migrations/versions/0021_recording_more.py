"""Recordings encoded by the recorder: ``recording_segments.transcoded``.

Revision ID: 0021_recording_more
Revises: 0020_media_engine

Cameras that give pictures only (WHIP publishers, simulated cameras) are recorded by encoding
their pictures; their segments are not the camera's own bytes, and the index says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_recording_more"
down_revision = "0020_media_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recording_segments") as batch:
        batch.add_column(sa.Column("transcoded", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("recording_segments") as batch:
        batch.drop_column("transcoded")
