"""No schema change: the Janus media engine keeps its rooms and mountpoints in memory and
in Janus itself. Kept so the revision chain (0019 → 0020 → 0021) stays as deployed.

Revision ID: 0020_media_engine
Revises: 0019_replica_state
"""

from __future__ import annotations

revision = "0020_media_engine"
down_revision = "0019_replica_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
