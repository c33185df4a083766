"""What an alert is about, as data: ``alerts.params`` (JSON).

Revision ID: 0006_alert_params
Revises: 0005_session_method

Alert texts were stored as one bilingual sentence ("临近期限 case near its deadline: …"), so a
Chinese wall showed English and an English one Chinese. The pages now write the text in the
viewer's language from the alert's kind and these parameters (case number, due time, camera,
tamper condition …); ``message`` stays as the plain record for the API, exports and alerts
raised before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_alert_params"
down_revision = "0005_session_method"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("params")
