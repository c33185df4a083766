"""Recordings index and clips: ``recording_segments`` and ``recording_clips``.

Revision ID: 0016_recordings
Revises: 0015_briefings

A segment is one file of a camera's recorded video (storage folder, path below it, the
interval it covers, size, codec), bound to a case when a clip of it is evidence. A clip ties
a case's attachment to the camera and interval it was cut from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_recordings"
down_revision = "0015_briefings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_segments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("storage", sa.String(300), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.UniqueConstraint("storage", "path", name="uq_recording_segments_storage_path"),
    )
    op.create_index("ix_recording_segments_camera_start", "recording_segments",
                    ["camera_id", "start_at"])
    op.create_index("ix_recording_segments_case_id", "recording_segments", ["case_id"])
    op.create_table(
        "recording_clips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("attachment_id", sa.Integer(), sa.ForeignKey("attachments.id"), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_recording_clips_case_id", "recording_clips", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_recording_clips_case_id", table_name="recording_clips")
    op.drop_table("recording_clips")
    op.drop_index("ix_recording_segments_case_id", table_name="recording_segments")
    op.drop_index("ix_recording_segments_camera_start", table_name="recording_segments")
    op.drop_table("recording_segments")
