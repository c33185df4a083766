"""The rollup tables, on the one ``MetaData`` of :class:`dispatch.db.Base`.

``kpi_daily``: one row per (``scope`` path, ``child`` code, local ``day``) with the named
counters of :mod:`dispatch.rollup.counters`. ``kpi_open``: the open cases alone (a few thousand
rows whatever the history), so open-case figures need not find them among all cases.
"""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.db import Base
from dispatch.models import UtcDateTime
from dispatch.rollup.counters import COUNTERS
from dispatch.types import OPEN_STATES

kpi_daily = sa.Table(
    "kpi_daily",
    Base.metadata,
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("child", sa.String(12), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *(sa.Column(name, sa.BigInteger, nullable=False, server_default="0") for name in COUNTERS),
)

kpi_open = sa.Table(
    "kpi_open",
    Base.metadata,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("owning_path", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("risk", sa.String(8), nullable=False),
    sa.Column("due_at", UtcDateTime),
)
ROLLUP_TABLES = (kpi_daily, kpi_open)
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATES))
OPEN_FIELDS = ("owning_path", "state", "risk", "due_at")
