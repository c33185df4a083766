"""Camera groups for wall tours: ``camera_groups`` and ``camera_group_members``.

Revision ID: 0008_wall_tours
Revises: 0007_desk_intake_search

A group belongs to one center, has a name unique within that center and the seconds each page
of its tour stays on the wall; its members are cameras in order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_wall_tours"
down_revision = "0007_desk_intake_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("center_id", sa.Integer(), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("center_id", "name", name="uq_camera_groups_center_name"),
    )
    op.create_index("ix_camera_groups_center_id", "camera_groups", ["center_id"])
    op.create_table(
        "camera_group_members",
        sa.Column("group_id", sa.Integer(),
                  sa.ForeignKey("camera_groups.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("camera_id", sa.String(64), sa.ForeignKey("cameras.id"), primary_key=True),
        sa.Column("position", sa.SmallInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("camera_group_members")
    op.drop_index("ix_camera_groups_center_id", table_name="camera_groups")
    op.drop_table("camera_groups")
