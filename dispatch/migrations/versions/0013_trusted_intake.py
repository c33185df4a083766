"""Trusted intake: idempotency per (channel, external id), cases found by 十联户 unit.

Revision ID: 0013_trusted_intake
Revises: 0012_clock_rules

A report's key is now its channel and its external id: ``cases.source`` holds the channel of
every report with an external id, and the unique ``(source, external_id)`` constraint keeps
one case per key. Rows stored before, whose ``source`` was a free name the sender chose, are
moved under their channel where that key is still free (the oldest case of a key wins); the
others keep their name, so nothing is lost and no key is held twice. ``cases.unit_id`` gains
the index the ``unit=`` filter reads. Imports no product code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_trusted_intake"
down_revision = "0012_clock_rules"
branch_labels = None
depends_on = None

CASES = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("source", sa.String),
    sa.column("external_id", sa.String),
)


def _keys_under_channels() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(CASES.c.id, CASES.c.channel, CASES.c.source, CASES.c.external_id)
        .where(CASES.c.external_id.is_not(None))
        .order_by(CASES.c.id)
    ).all()
    taken = {(source, ext) for _, _, source, ext in rows}
    for case_id, channel, source, ext in rows:
        if source == channel or (channel, ext) in taken:
            continue
        taken.add((channel, ext))
        conn.execute(sa.update(CASES).where(CASES.c.id == case_id).values(source=channel))


def upgrade() -> None:
    _keys_under_channels()
    op.create_index("ix_cases_unit_id", "cases", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_unit_id", table_name="cases")
