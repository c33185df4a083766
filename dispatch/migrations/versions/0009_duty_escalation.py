"""Duty rosters, escalation steps and alert acknowledgement notes.

Revision ID: 0009_duty_escalation
Revises: 0008_wall_tours

Alerts gain the acknowledging person's note, a count of recurrences while open (a flapping
camera is one alert), and the state of their escalation chain; ``alert_steps`` is each alert's
own trail; ``duty_shifts`` is the duty roster (值班表) of every center.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatch.models.columns import UtcDateTime

revision = "0009_duty_escalation"
down_revision = "0008_wall_tours"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("ack_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("notified_path", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("escalation_step", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("next_step_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_alerts_next_step_at", ["next_step_at"])
    op.create_table(
        "alert_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("center_path", sa.String(64), nullable=True),
        sa.Column("person", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_alert_steps_alert_id", "alert_steps", ["alert_id"])
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("center_id", sa.Integer(), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_duty_shifts_center_time", "duty_shifts", ["center_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_duty_shifts_center_time", table_name="duty_shifts")
    op.drop_table("duty_shifts")
    op.drop_index("ix_alert_steps_alert_id", table_name="alert_steps")
    op.drop_table("alert_steps")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_next_step_at")
        for name in ("next_step_at", "escalation_step", "notified_path", "occurrences", "ack_note"):
            batch.drop_column(name)
