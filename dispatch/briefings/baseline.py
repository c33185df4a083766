"""What changed in the risk register since the last signed briefing.

A briefing's register lists the open matters graded 高 or 中 as of its generation. What a
duty officer wants to read next to it is what moved since the last briefing someone signed
for the same center and kind: matters **new** to the register, **raised** (中→高), **lowered**
(高→中, or out of the register to 低) and **resolved** (no longer open: 归档, 不予受理, 合并).

The baseline is the instant the register of that signed briefing was taken — its
``generated_at`` — when a briefing of an earlier period of the same center and kind is
signed; otherwise the start of this period (the changes over the period, against the
previous one). The briefing states which one it used (``extra["baseline"]``).

Everything comes from the case trail after the baseline:

* ``regrade`` entries (re-grading with a reason) carry the grade before and after; a
  matter's grade at the baseline is the old grade of its first re-grading since then, or
  its grade now when it was not re-graded. Raised and lowered compare those two grades (the
  net move: 中→高→中 is no change).
* leaving the open states (``close``, ``refuse``, ``merge``) since the baseline marks a
  matter resolved when it was in the register at the baseline (reported before it, graded
  高 or 中 then).
* a matter reported since the baseline, or raised from 低 into the register, is new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.briefings.model import Cell, Column, Kind, Table
from dispatch.briefings.periods import Period
from dispatch.models import BriefingRecord, Case, CaseEvent
from dispatch.registry import subtree_filter
from dispatch.types import OPEN_STATES, Risk

#: The trail action re-grading a matter (高/中/低 with a reason; old and new grade).
REGRADE = "regrade"
#: Trail actions that take a matter out of the open states (归档, 不予受理, 合并).
#: (``dispatch.workflow``'s transitions into ``TERMINAL_STATES``; a test keeps them equal —
#: imported here, the workflow's modules would import this package back.)
EXIT_ACTIONS = ("close", "merge", "refuse")
#: Payload key of a re-grading's trail entry holding the grade before (``risk``: after).
OLD_GRADE_KEYS = ("from_risk",)
REGISTER = frozenset({Risk.HIGH.value, Risk.MEDIUM.value})
RANK = {Risk.LOW.value: 0, Risk.MEDIUM.value: 1, Risk.HIGH.value: 2}
CHANGES = ("new", "raised", "lowered", "resolved")
LEFT_LIMIT = 50
_OPEN = frozenset(s.value for s in OPEN_STATES)


@dataclass(frozen=True)
class Baseline:
    """Where a briefing's register changes are counted from: ``source`` is ``signed`` (the
    last signed briefing of the center and kind, taken at ``at``) or ``previous_period``
    (none signed: ``at`` is this period's start)."""

    source: str
    at: datetime
    briefing_id: int | None = None
    period_start: str | None = None
    period_end: str | None = None
    signed_by: str | None = None
    signed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "at": self.at.astimezone(UTC).isoformat(),
            "briefing_id": self.briefing_id,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "signed_by": self.signed_by,
            "signed_at": self.signed_at,
        }


def _signed_query(kind: Kind, period: Period, now: datetime) -> sa.Select[Any]:
    r = BriefingRecord
    return sa.select(
        r.center_id, r.id, r.period_start, r.period_end, r.generated_at, r.signed_by, r.signed_at
    ).where(
        r.kind == kind.value,
        r.status == "signed",
        r.period_start < period.start,
        r.generated_at <= now,
    )


def _baseline(row: Any, period: Period) -> Baseline:
    if row is None:
        return Baseline("previous_period", period.start_at())
    _, bid, start, end, generated, signer, signed = row
    return Baseline(
        "signed", generated, bid, start.isoformat(), end.isoformat(), signer,
        signed.astimezone(UTC).isoformat() if signed else None,
    )


def find_baseline(
    session: Session, center_id: int, kind: Kind, period: Period, now: datetime
) -> Baseline:
    """The last signed briefing of the center and kind before this period, else the period's
    start."""
    q = _signed_query(kind, period, now).where(BriefingRecord.center_id == center_id)
    row = session.execute(q.order_by(BriefingRecord.period_start.desc()).limit(1)).first()
    return _baseline(row, period)


def find_baselines(
    session: Session, center_ids: Iterable[int], kind: Kind, period: Period, now: datetime
) -> dict[int, Baseline]:
    """:func:`find_baseline` of many centers in one query."""
    latest: dict[int, Any] = {}
    for row in session.execute(_signed_query(kind, period, now).order_by(
        BriefingRecord.center_id, BriefingRecord.period_start
    )):
        latest[row[0]] = row
    return {cid: _baseline(latest.get(cid), period) for cid in center_ids}


def old_grade(payload: dict[str, Any] | None) -> str | None:
    for key in OLD_GRADE_KEYS:
        value = (payload or {}).get(key)
        if value in RANK:
            return str(value)
    return None


@dataclass
class Trail:
    """The trail since a baseline (possibly an earlier one than a center's own: rows carry
    their instant, :meth:`since` narrows): re-gradings and exits, each with its case's
    holding path and columns."""

    #: (at, case_id, old grade, path, risk now, state now, reported_at, number, title, center)
    regrades: list[tuple[Any, ...]] = field(default_factory=list)
    #: (at, case_id, path, risk now, state now, reported_at, number, title, center)
    exits: list[tuple[Any, ...]] = field(default_factory=list)


_CASE_COLS = (Case.owning_path, Case.risk, Case.state, Case.reported_at, Case.number, Case.title,
              Case.center_id)  # fmt: skip


def read_trail(session: Session, scope: str, since: datetime) -> Trail:
    """Re-gradings and exits from the open states of the subtree's matters since ``since``."""
    e = CaseEvent
    regrades = session.execute(
        sa.select(e.at, e.case_id, e.payload, *_CASE_COLS)
        .join(Case, Case.id == e.case_id)
        .where(e.action == REGRADE, e.at >= since, subtree_filter(Case.owning_path, scope))
        .order_by(e.at, e.id)
    ).all()
    exits = session.execute(
        sa.select(e.at, e.case_id, *_CASE_COLS)
        .join(Case, Case.id == e.case_id)
        .where(
            e.action.in_(EXIT_ACTIONS), e.at >= since, Case.reported_at < since,
            subtree_filter(Case.owning_path, scope),
        )
        .order_by(e.at, e.id)
    ).all()
    return Trail(
        [(at, cid, old_grade(payload), *rest) for at, cid, payload, *rest in regrades],
        [tuple(r) for r in exits],
    )


def inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope + "/")


@dataclass
class Changes:
    """The register's changes since one baseline for one subtree."""

    #: case id → new / raised / lowered for matters in the register now (others: carried)
    row_change: dict[int, str]
    counts: dict[str, int]
    #: matters that left the register: (number, title, center_id, grade then, grade now,
    #: change, state, at)
    left: list[tuple[Any, ...]]


def changes(trail: Trail, scope: str, since: datetime, new_reported: int) -> Changes:
    """Classify the trail's matters of ``scope`` since ``since``. ``new_reported``: open
    matters graded 高 or 中 reported since the baseline (counted by the caller in SQL)."""
    then: dict[int, str | None] = {}
    info: dict[int, tuple[Any, ...]] = {}
    for at, cid, old, path, risk, state, reported, number, title, center in trail.regrades:
        if at < since or not inside(path, scope):
            continue
        if cid not in then:
            then[cid] = old
            info[cid] = (at, risk, state, reported, number, title, center)
        else:
            info[cid] = (at, *info[cid][1:])  # the latest re-grading's time
    row_change: dict[int, str] = {}
    counts = dict.fromkeys(CHANGES, 0)
    counts["new"] = new_reported
    left: list[tuple[Any, ...]] = []
    for cid, old in then.items():
        at, risk, state, reported, number, title, center = info[cid]
        if reported >= since or state not in _OPEN:
            continue  # new by its report, or counted with the exits
        before = old if old is not None else risk
        if risk in REGISTER:
            if before not in REGISTER:
                move = "new"
            elif RANK[risk] > RANK[before]:
                move = "raised"
            elif RANK[risk] < RANK[before]:
                move = "lowered"
            else:
                continue
            row_change[cid] = move
            counts[move] += 1
        elif before in REGISTER:  # lowered to 低: out of the register
            counts["lowered"] += 1
            left.append((number, title, center, before, risk, "lowered", state, at))
    gone: dict[int, tuple[Any, ...]] = {}
    for at, cid, path, risk, state, reported, number, title, center in trail.exits:
        if at < since or reported >= since or not inside(path, scope) or state in _OPEN:
            continue
        before = then[cid] if then.get(cid) is not None else risk
        if before in REGISTER:
            gone[cid] = (number, title, center, before, risk, "resolved", state, at)
    counts["resolved"] = len(gone)
    left += gone.values()
    left.sort(key=lambda r: (r[7], r[0] or ""), reverse=True)
    return Changes(row_change, counts, left)


def new_reported_count(session: Session, scope_filter: Any, since: datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                scope_filter,
                Case.state.in_(sorted(_OPEN)),
                Case.risk.in_(sorted(REGISTER)),
                Case.reported_at >= since,
            )
        )
        or 0
    )


def changes_table(counts: dict[str, int]) -> Table:
    return Table(
        "register_changes",
        "brief.table.register_changes",
        (
            Column("change", "brief.col.register_change", "enum:brief.change"),
            Column("count", "brief.col.count"),
        ),
        tuple((c, counts[c]) for c in CHANGES),
        note="brief.note.register_changes",
    )


def left_table(left: list[tuple[Any, ...]], names: dict[int, str]) -> Table:
    cells: list[tuple[Cell, ...]] = [
        (number or "", title, names.get(center, ""), then, now, change, state,
         at.astimezone(UTC).isoformat())
        for number, title, center, then, now, change, state, at in left[:LEFT_LIMIT]
    ]
    return Table(
        "register_left",
        "brief.table.register_left",
        (
            Column("number", "brief.col.number", "text"),
            Column("title", "brief.col.title", "text"),
            Column("center", "brief.col.center", "text"),
            Column("risk_then", "brief.col.risk_then", "enum:risk"),
            Column("risk", "brief.col.risk_now", "enum:risk"),
            Column("change", "brief.col.register_change", "enum:brief.change"),
            Column("state", "brief.col.state", "enum:state"),
            Column("at", "brief.col.at", "datetime"),
        ),
        tuple(cells),
    )
