"""What a center sent up: ``case_escalations``.

Revision ID: 0023_case_escalations
Revises: 0022_reporter_index

A desk's 已上报 tab lists the cases its center escalated, and its desks may still read them
after they left its scope. The trail's ``escalate`` lines name the center they came from in
their payload (``from_center``, a code); reading that per desk refresh would be a scan of
every escalation in the deployment, so each one gets a row here, indexed by the center it
came from. Earlier escalations are filled in from the trail.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0023_case_escalations"
down_revision = "0022_reporter_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("from_center_id", sa.Integer, sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_escalations_from_center_case", "case_escalations",
                    ["from_center_id", "case_id"])
    bind = op.get_bind()
    centers = dict(bind.execute(sa.text("SELECT code, id FROM centers")).all())
    lines = bind.execute(sa.text(
        "SELECT case_id, at, payload FROM case_events WHERE action = 'escalate' ORDER BY id"))
    rows = []
    for case_id, at, payload in lines:
        doc = json.loads(payload) if isinstance(payload, str) else (payload or {})
        center_id = centers.get(doc.get("from_center"))
        if center_id is not None:
            rows.append({"case_id": case_id, "from_center_id": center_id, "at": at})
    if rows:
        table = sa.table("case_escalations", sa.column("case_id"), sa.column("from_center_id"),
                         sa.column("at"))
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_case_escalations_from_center_case", table_name="case_escalations")
    op.drop_table("case_escalations")
