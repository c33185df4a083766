"""What an action does to a case's columns, one pure function per kind of change.

Each transition of :data:`dispatch.workflow.TRANSITIONS` names its effect. The live path and
the replay both apply it to the event's payload (:mod:`dispatch.trail`), so the payload carries
every fact an effect needs (new deadline, new owning center …) and replaying a case's events
rebuilds exactly its current columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
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
    "late_extension_count",
    "extension_requested_days",
    "rework_count",
    "redo_count",
    "return_count",
    "return_rejected_count",
    "order_count",
    "escalation_count",
    "supervision_stage",
    "supervised_at",
    "satisfaction",
    "handled_level",
    "leader",
    "plan",
    "plan_review_on",
    "supervise_at",
    "supervise_by",
    "supervise_note",
    "supervise_due_on",
    "merged_into_id",
    "event_count",
)

#: What a report starts from: no milestones, no counts (the replay may rebuild a case in place).
CLEARED_ON_REPORT: dict[str, Any] = {
    **dict.fromkeys(("accepted_at", "resolved_at", "closed_at", "suspended_at", "supervised_at")),
    **dict.fromkeys(("suspended_from", "satisfaction", "handled_level", "merged_into_id")),
    "extension_requested_days": None,
    "late_extension_count": 0,
    **dict.fromkeys(("paused_seconds", "extension_count", "rework_count", "redo_count"), 0),
    **dict.fromkeys(("return_count", "escalation_count", "supervision_stage"), 0),
    **dict.fromkeys(("return_rejected_count", "order_count"), 0),
    "extended": False,
    **dict.fromkeys(("supervise_at", "supervise_by", "supervise_note", "supervise_due_on")),
}


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def report(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.reported_at = at
    c.center_id, c.owning_path = p["center_id"], p["owning_path"]
    c.risk, c.complexity = p["risk"], p.get("complexity")
    c.leader, c.plan = p.get("leader"), p.get("plan")
    c.plan_review_on = _day(p.get("review_on"))
    c.due_at = _ts(p["due_at"])
    for name, value in CLEARED_ON_REPORT.items():
        setattr(c, name, value)


def accept(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.accepted_at = at
    for name in ("risk", "complexity", "leader", "plan"):
        if name in p:
            setattr(c, name, p[name])
    if "review_on" in p:
        c.plan_review_on = _day(p["review_on"])
    c.due_at = _ts(p["due_at"])


def dispatch(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.order_count = (c.order_count or 0) + len(p.get("orders", ()))


def request_return(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    """退单 asked for: the case waits for the dispatching center. Events written before
    arbitration (no ``requested`` fact) returned the order at once and count as approved."""
    if not p.get("requested"):
        c.return_count += 1


def approve_return(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.return_count += 1
    dispatch(c, p, at, _)


def reject_return(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.return_rejected_count = (c.return_rejected_count or 0) + 1


def resolve(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.resolved_at = at
    c.handled_level = p["handled_level"]


def rework(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.rework_count += 1
    c.resolved_at = None
    if p.get("due_at"):  # the policy restarts the handler's clock at 返工
        c.due_at = _ts(p["due_at"])


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
    if p.get("requested"):  # a late request, waiting for the next level's approval
        c.extension_requested_days = p["days"]
        return
    c.due_at = _ts(p["due_at"])
    c.extended = True
    c.extension_count += 1
    c.late_extension_count = (c.late_extension_count or 0) + bool(p.get("late"))
    c.extension_requested_days = None
    c.supervision_stage = 0


def assign_leader(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.leader, c.plan = p["leader"], p["plan"]
    if "review_on" in p:
        c.plan_review_on = _day(p["review_on"])


def regrade(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    """调整风险等级; a leader, plan or review date given with it replaces the case's."""
    c.risk = p["risk"]
    for name in ("leader", "plan"):
        if name in p:
            setattr(c, name, p[name])
    if "review_on" in p:
        c.plan_review_on = _day(p["review_on"])


def plan_review(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    """一案一策复核: the next review date, and the revised plan when one was given."""
    c.plan_review_on = _day(p["review_on"])
    if "plan" in p:
        c.plan = p["plan"]


def supervise(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    """督办: the latest one stands on the case for the receiving desk's inbox."""
    c.supervise_at, c.supervise_by = at, p["by_center"]
    c.supervise_note, c.supervise_due_on = p["note"], _day(p.get("deadline"))


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
