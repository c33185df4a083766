"""What each action does to a case's columns, as one function per action.

The live path and the replay both call :func:`apply_event` with the event's payload, so the
payload carries every fact an effect needs (new deadline, new owning center …) and replaying a
case's events rebuilds exactly its current columns (:func:`replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from dispatch.types import CaseState, Satisfaction

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

Effect = Callable[[Any, Mapping[str, Any], datetime, str | None], None]


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _report(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.reported_at = at
    c.center_id, c.owning_path = p["center_id"], p["owning_path"]
    c.risk, c.complexity = p["risk"], p.get("complexity")
    c.leader, c.plan = p.get("leader"), p.get("plan")
    c.due_at = _ts(p["due_at"])
    for name in (
        "accepted_at",
        "resolved_at",
        "closed_at",
        "suspended_at",
        "supervised_at",
        "suspended_from",
        "satisfaction",
        "handled_level",
        "merged_into_id",
    ):
        setattr(c, name, None)
    for name in (
        "paused_seconds",
        "extension_count",
        "rework_count",
        "redo_count",
        "return_count",
        "escalation_count",
        "supervision_stage",
    ):
        setattr(c, name, 0)
    c.extended = False


def _accept(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.accepted_at = at
    for name in ("risk", "complexity", "leader", "plan"):
        if name in p:
            setattr(c, name, p[name])
    c.due_at = _ts(p["due_at"])


def _return(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.return_count += 1


def _resolve(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.resolved_at = at
    c.handled_level = p["handled_level"]


def _rework(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.rework_count += 1
    c.resolved_at = None


def _visit(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.satisfaction = p["satisfaction"]
    if p["satisfaction"] == Satisfaction.UNSATISFIED:
        c.redo_count += 1
        c.resolved_at = None


def _close(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.closed_at = at


def _escalate(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.center_id, c.owning_path = p["to_center_id"], p["to_path"]
    c.escalation_count += 1
    c.accepted_at = c.accepted_at or at


def _urge(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.supervision_stage = max(c.supervision_stage, 1)
    c.supervised_at = at


def _notify(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.supervision_stage = 2
    c.supervised_at = at


def _suspend(c: Any, p: Mapping[str, Any], at: datetime, from_state: str | None) -> None:
    c.suspended_at = at
    c.suspended_from = from_state


def _resume(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.paused_seconds += p["paused_seconds"]
    c.due_at = _ts(p["due_at"])
    c.suspended_at = None
    c.suspended_from = None


def _extend(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.due_at = _ts(p["due_at"])
    c.extended = True
    c.extension_count += 1
    c.supervision_stage = 0


def _assign_leader(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.leader, c.plan = p["leader"], p["plan"]


def _merge(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.merged_into_id = p["into"]


def _reopen(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    c.closed_at = None
    c.resolved_at = None
    c.satisfaction = None
    c.handled_level = None
    c.due_at = _ts(p["due_at"])
    c.supervision_stage = 0


def _nothing(c: Any, p: Mapping[str, Any], at: datetime, _: str | None) -> None:
    return None


EFFECTS: dict[str, Effect] = {
    "report": _report,
    "accept": _accept,
    "refuse": _nothing,
    "dispatch": _nothing,
    "sign": _nothing,
    "return": _return,
    "start": _nothing,
    "resolve": _resolve,
    "verify": _nothing,
    "rework": _rework,
    "visit": _visit,
    "close": _close,
    "escalate": _escalate,
    "urge": _urge,
    "notify": _notify,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "assign_leader": _assign_leader,
    "merge": _merge,
    "reopen": _reopen,
}


#: Audit lines of video sessions (会商): they record what happened around a case without
#: changing it. Declared here, not by the session package, so that any process can replay a
#: case's trail whether or not it ever imported the session code.
RECORD_ONLY_ACTIONS: tuple[str, ...] = (
    "session_start",  # 会商开始
    "session_invite",  # 邀请
    "session_join",  # 加入
    "session_leave",  # 离开
    "session_drop",  # 掉线 (network dropped; the same link rejoins)
    "session_camera",  # 接入 / 移除摄像机
    "session_note",  # 记录
    "session_arrival",  # 到场 (三必到)
    "session_evidence",  # 取证截图
    "session_end",  # 会商结束 with its summary
)
EFFECTS.update(dict.fromkeys(RECORD_ONLY_ACTIONS, _nothing))


def apply_event(
    case: Any,
    action: str,
    from_state: str | None,
    to_state: str,
    payload: Mapping[str, Any],
    at: datetime,
) -> None:
    EFFECTS[action](case, payload, at, from_state)
    case.state = CaseState(to_state).value
    case.event_count = (case.event_count or 0) + 1


def replay(events: Iterable[Any]) -> dict[str, Any]:
    """Rebuild the replayed columns from a case's events (ordered by ``seq``)."""
    state = SimpleNamespace(event_count=0)
    for e in events:
        apply_event(state, e.action, e.from_state, e.to_state, e.payload, e.at)
    return {name: getattr(state, name, None) for name in REPLAYED_FIELDS}


def snapshot(case: Any) -> dict[str, Any]:
    return {name: getattr(case, name) for name in REPLAYED_FIELDS}
