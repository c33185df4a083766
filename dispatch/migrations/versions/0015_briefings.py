"""Briefings (日小结/周研判): stored briefings, camera status intervals, cases by acceptance.

Revision ID: 0015_briefings
Revises: 0014_returns_assist

``briefings`` keeps every generated briefing of a center and period (a draft until signed,
then frozen JSON); ``camera_status_intervals`` the spans of each camera's status, from which
a day's availability (minutes online ÷ minutes expected) is computed; an index on
``cases.accepted_at`` serves the count of matters accepted in a period by kind and channel,
one on ``case_events (action, at)`` the period's escalations, 催办 and 通报.
Existing cameras get one open interval from the time their current status was recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_briefings"
down_revision = "0014_returns_assist"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "briefings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("center_path", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(64), nullable=False),
        sa.Column("signed_by", sa.String(64)),
        sa.Column("signed_at", sa.DateTime(timezone=True)),
        sa.Column("body", JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("center_id", "kind", "period_start", name="uq_briefings_center_period"),
    )
    op.create_index(
        "ix_briefings_center_path_period",
        "briefings",
        ["center_path", "period_start"],
        postgresql_ops={"center_path": "varchar_pattern_ops"},
    )
    op.create_table(
        "camera_status_intervals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "camera_id", sa.String(64), sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_camera_status_intervals_camera_started",
        "camera_status_intervals",
        ["camera_id", "started_at"],
    )
    op.create_index(
        "ix_camera_status_intervals_ended_at", "camera_status_intervals", ["ended_at"]
    )
    op.create_index("ix_cases_accepted_at", "cases", ["accepted_at"])
    op.create_index("ix_case_events_action_at", "case_events", ["action", "at"])
    # The status each camera has now, from when it was recorded (cameras never reported on
    # have no interval: their availability is unknown, not zero).
    op.execute(
        "INSERT INTO camera_status_intervals (camera_id, status, started_at) "
        "SELECT id, status, status_changed_at FROM cameras WHERE status_changed_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_action_at", table_name="case_events")
    op.drop_index("ix_cases_accepted_at", table_name="cases")
    op.drop_table("camera_status_intervals")
    op.drop_table("briefings")
