""" "This center and below" in a form each backend's index serves.

:func:`dispatch.registry.subtree_filter` writes ``path LIKE 'p/%'``: PostgreSQL serves it from
the ``varchar_pattern_ops`` indexes, but SQLite's LIKE is case-insensitive and its planner then
scans the table. Paths hold only digits and ``/``, and ``'/'`` sorts just before ``'0'``, so on
SQLite the subtree is the range ``'p/' < path < 'p0'``, which any index serves.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.registry import subtree_filter


def within(session: Session, column: Any, path: str) -> sa.ColumnElement[bool]:
    """``column`` lies at ``path`` or below it."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.or_(column == path, sa.and_(column > path + "/", column < path + "0"))
    return subtree_filter(column, path)
