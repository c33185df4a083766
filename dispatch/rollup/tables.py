"""The rollup tables, on the one ``MetaData`` of :class:`dispatch.db.Base`.

``kpi_daily``: one row per (``scope`` path, ``child`` code, local ``day``) with the named
counters of :mod:`dispatch.rollup.counters`. ``kpi_open``: the open cases alone (a few thousand
rows whatever the history), so open-case figures need not find them among all cases.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dispatch.db import Base
from dispatch.models import UtcDateTime
from dispatch.rollup.counters import COUNTERS
from dispatch.types import OPEN_STATES, TICKING_STATES, CaseState

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
    #: From when the case counts overdue: its deadline, or NULL when its resolution, made in
    #: time, awaits 核查 (the handler's clock has stopped).
    sa.Column("late_from", UtcDateTime),
)
ROLLUP_TABLES = (kpi_daily, kpi_open)
OPEN_VALUES = tuple(sorted(s.value for s in OPEN_STATES))
OPEN_FIELDS = ("owning_path", "state", "risk", "due_at", "late_from")
_CHECKED = tuple(sorted(s.value for s in (CaseState.RESOLVED, CaseState.VERIFIED, CaseState.VISITED)))


def late_from(case: Any) -> Any:
    """The ``late_from`` of a case object."""
    if (
        case.state in _CHECKED
        and case.resolved_at is not None
        and case.due_at is not None
        and case.resolved_at <= case.due_at
    ):
        return None
    return case.due_at


def late_from_sql(c: Any) -> Any:
    """The same, as an SQL expression over the ``cases`` columns ``c``."""
    return sa.case(
        (
            sa.and_(c.state.in_(_CHECKED), c.resolved_at.is_not(None), c.resolved_at <= c.due_at),
            sa.null(),
        ),
        else_=c.due_at,
    )


_TICKING = tuple(sorted(s.value for s in TICKING_STATES))


def is_overdue(case: Any, now: Any) -> bool:
    """Whether a case counts overdue at ``now``: its clock runs (open, not suspended) and
    ``now`` is past :func:`late_from` (a resolution made in time awaiting 核查 is not late).
    The one rule of the KPIs, the API's ``overdue``, the case list's filter and the desk."""
    late = late_from(case)
    return case.state in _TICKING and late is not None and late < now


def is_overdue_sql(c: Any, now: Any) -> Any:
    """The same, as an SQL condition over the ``cases`` columns ``c`` (never NULL, so its
    negation keeps every case that is not overdue)."""
    late = late_from_sql(c)
    return sa.and_(c.state.in_(_TICKING), late.is_not(None), late < now)


def open_row(case: Any) -> dict[str, Any]:
    """The ``kpi_open`` row of an open case object."""
    return {
        "case_id": case.id,
        "owning_path": case.owning_path,
        "state": case.state,
        "risk": case.risk,
        "due_at": case.due_at,
        "late_from": late_from(case),
    }
