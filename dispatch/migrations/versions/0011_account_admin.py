"""Account administration: disabled accounts, token expiry and last use.

Revision ID: 0011_account_admin
Revises: 0010_consultation_links
"""

from __future__ import annotations

revision = "0011_account_admin"
down_revision = "0010_consultation_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
