"""What an action does to a case's columns, one pure function per kind of change.

Each transition of :data:`dispatch.workflow.TRANSITIONS` names its effect. The live path and
the replay both apply it to the event's payload (:mod:`dispatch.trail`), so the payload carries
every fact an effect needs (new deadline, new owning center …) and replaying a case's events
rebuilds exactly its current columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dispatch.db import columns
from dispatch.types import Satisfaction

#: The columns a replay reconstructs; together they are the case's workflow state.
REPLAYED_FIELDS: tuple[str, ...] = (
    "state",
    "suspended_from",
    "center_id",
    "owning_path",
    "risk",
    "complexity",
    "reported_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "due_at",
    "suspended_at",
    "paused_seconds",
    "extended",
    "extension_count",
    "rework_count",
    "redo_count",
    "return_count",
    "escalation_count",
    "supervision_stage",
    "supervised_at",
    "satisfaction",
    "handled_level",
    "leader",
    "plan",
    "merged_into_id",
    "event_count",
)

#: What a report starts from: no milestones, no counts (the replay may rebuild a case in place).
CLEARED_ON_REPORT: dict[str, Any] = {
    **dict.fromkeys(("accepted_at", "resolved_at", "closed_at", "suspended_at", "supervised_at")),
    **dict.fromkeys(("suspended_from", "satisfaction", "handled_level", "merged_into_id")),
    **dict.fromkeys(("paused_seconds", "extension_count", "rework_count", "redo_count"), 0),
    **dict.fromkeys(("return_count", "escalation_count", "supervision_stage"), 0),
    "extended": False,
}


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def report(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.reported_at = at
    c.center_id, c.owning_path = p["center_id"], p["owning_path"]
    c.risk, c.complexity = p["risk"], p.get("complexity")
    c.leader, c.plan = p.get("leader"), p.get("plan")
    c.due_at = _ts(p["due_at"])
    for name, value in CLEARED_ON_REPORT.items():
        setattr(c, name, value)


def accept(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.accepted_at = at
    for name in ("risk", "complexity", "leader", "plan"):
        if name in p:
            setattr(c, name, p[name])
    c.due_at = _ts(p["due_at"])


def count_return(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.return_count += 1


def resolve(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.resolved_at = at
    c.handled_level = p["handled_level"]


def rework(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.rework_count += 1
    c.resolved_at = None


def visit(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.satisfaction = p["satisfaction"]
    if p["satisfaction"] == Satisfaction.UNSATISFIED:
        c.redo_count += 1
        c.resolved_at = None


def close(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.closed_at = at


def escalate(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.center_id, c.owning_path = p["to_center_id"], p["to_path"]
    c.escalation_count += 1
    c.accepted_at = c.accepted_at or at


def urge(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.supervision_stage = max(c.supervision_stage, 1)
    c.supervised_at = at


def notify(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.supervision_stage = 2
    c.supervised_at = at


def suspend(c: Any, p: Mapping[str, Any], at: datetime, from_state: str | None) -> None:
    c.suspended_at = at
    c.suspended_from = from_state


def resume(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.paused_seconds += p["paused_seconds"]
    c.due_at = _ts(p["due_at"])
    c.suspended_at = None
    c.suspended_from = None


def extend(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.due_at = _ts(p["due_at"])
    c.extended = True
    c.extension_count += 1
    c.supervision_stage = 0


def assign_leader(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.leader, c.plan = p["leader"], p["plan"]


def merge(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.merged_into_id = p["into"]


def reopen(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.closed_at = None
    c.resolved_at = None
    c.satisfaction = None
    c.handled_level = None
    c.due_at = _ts(p["due_at"])
    c.supervision_stage = 0


def snapshot(case: Any) -> dict[str, Any]:
    return columns(case, REPLAYED_FIELDS)
