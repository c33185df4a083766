"""A reporter's own reports: ``ix_case_events_actor_action``.

Revision ID: 0022_reporter_index
Revises: 0021_recording_more

The inbox's 我上报的 lists the cases whose trail's ``report`` line names the account; without
this index that is a scan of every ``report`` line of the deployment.
"""

from __future__ import annotations

from alembic import op

revision = "0022_reporter_index"
down_revision = "0021_recording_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_events_actor_action", "case_events", ["actor", "action"])


def downgrade() -> None:
    op.drop_index("ix_case_events_actor_action", table_name="case_events")
