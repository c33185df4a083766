"""Video-linked dispatch sessions: sessions, participants (invitations), cameras, evidence.

Revision ID: 0003_sessions
Revises: 0002_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_sessions"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "consult_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("summary", JSON_DOC, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_consult_sessions_case_id_cases")),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_consult_sessions_alert_id_alerts")),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_consult_sessions_center_id_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_sessions")),
    )
    op.create_index(op.f("ix_consult_sessions_case_id"), "consult_sessions", ["case_id"])
    op.create_table(
        "consult_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("token_expires_at", TS, nullable=False),
        sa.Column("invited_at", TS, nullable=False),
        sa.Column("invited_by", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("first_joined_at", TS, nullable=True),
        sa.Column("last_joined_at", TS, nullable=True),
        sa.Column("last_left_at", TS, nullable=True),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("connected_seconds", sa.Integer(), nullable=False),
        sa.Column("arrived_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["consult_sessions.id"],
            name=op.f("fk_consult_participants_session_id_consult_sessions"),
        ),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_consult_participants_center_id_centers")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_consult_participants_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_participants")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_consult_participants_token_digest")),
    )
    op.create_index(op.f("ix_consult_participants_session_id"), "consult_participants", ["session_id"])
    op.create_table(
        "consult_cameras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("attached_at", TS, nullable=False),
        sa.Column("attached_by", sa.String(length=64), nullable=False),
        sa.Column("detached_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["consult_sessions.id"], name=op.f("fk_consult_cameras_session_id_consult_sessions")
        ),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name=op.f("fk_consult_cameras_camera_id_cameras")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_cameras")),
    )
    op.create_index(op.f("ix_consult_cameras_session_id"), "consult_cameras", ["session_id"])
    op.create_table(
        "consult_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=80), nullable=False),
        sa.Column("feed_name", sa.String(length=100), nullable=False),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["consult_sessions.id"], name=op.f("fk_consult_evidence_session_id_consult_sessions")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_consult_evidence_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachments.id"], name=op.f("fk_consult_evidence_attachment_id_attachments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_evidence")),
    )
    op.create_index(op.f("ix_consult_evidence_session_id"), "consult_evidence", ["session_id"])
    op.create_index(op.f("ix_consult_evidence_case_id"), "consult_evidence", ["case_id"])


def downgrade() -> None:
    for table in ("consult_evidence", "consult_cameras", "consult_participants", "consult_sessions"):
        op.drop_table(table)
