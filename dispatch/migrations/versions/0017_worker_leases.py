"""Stream workers and their camera leases: ``stream_workers`` and ``camera_leases``.

Revision ID: 0017_worker_leases
Revises: 0016_recordings

A stream worker (``zongzhi worker``) registers itself with the URL it serves pictures on and
renews its row; a camera lease names the worker that holds a camera until ``expires_at``, with
an ``epoch`` that grows at every change of owner (the fencing token of the owner's writes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_worker_leases"
down_revision = "0016_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_workers",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("url", sa.String(300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
    )
    op.create_table(
        "camera_leases",
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("worker_id", sa.String(100), nullable=True),
        sa.Column("url", sa.String(300), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_camera_leases_worker_id", "camera_leases", ["worker_id"])


def downgrade() -> None:
    op.drop_index("ix_camera_leases_worker_id", table_name="camera_leases")
    op.drop_table("camera_leases")
    op.drop_table("stream_workers")
