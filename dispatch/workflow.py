"""The case workflow as data: one table of transitions, read by small functions.

Each :class:`~dispatch.transitions.Transition` says from which states an action may be taken,
where it leads, who may take it, which payload fields it requires, what must hold of the case
(``guard``), the facts its event records, its effect on the case's columns and the alerts it
raises or clears. Some actions lead to a state chosen by a payload value (``visit`` by
satisfaction) or by the role of the order acted on (``sign``, ``return``): ``outcomes`` maps
that value to the next state, ``None`` meaning "unchanged". ``PREVIOUS`` sends a suspended case
back where it was. The service (:func:`dispatch.cases.perform`) applies a transition without
knowing which action it is; :func:`allowed_actions` answers what it would accept.

The table is rendered into ``docs/dispatch.md`` by :func:`markdown_table`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch import effects, facts, guards, risk_actions
from dispatch.models import Case
from dispatch.permissions import can_see, refusal
from dispatch.principal import Principal, Role
from dispatch.transitions import (
    APPROVER,
    ASSIGNEE,
    DESK,
    IN_PROGRESS,
    PREVIOUS,
    SUPERVISABLE,
    SUPERVISOR,
    Effect,
    Transition,
    no_effect,
)
from dispatch.types import OPEN_STATES, AlertKind, OrderState
from dispatch.types import CaseState as S

__all__ = ["PREVIOUS", "Transition", "TRANSITIONS", "BY_ACTION", "allowed_actions"]

T = Transition
K = AlertKind
PENDING, SIGNED = frozenset({OrderState.PENDING}), frozenset({OrderState.SIGNED})
RETURNING = frozenset({OrderState.RETURN_REQUESTED})
ON_ORDER = frozenset({S.DISPATCHED, S.SIGNED, S.HANDLING})
# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    T("accept", frozenset({S.REPORTED}), S.ACCEPTED, DESK,
      optional=("risk", "complexity", "leader", "plan", "review_on", "note"), label="受理 accept",
      facts=risk_actions.accept, effect=effects.accept),
    T("refuse", frozenset({S.REPORTED}), S.REFUSED, DESK, ("reason",), label="不予受理 refuse"),
    T("dispatch", frozenset({S.ACCEPTED}), S.DISPATCHED, DESK, ("lead",),
      ("assists", "note"), label="派单 dispatch", facts=facts.dispatch,
      effect=effects.dispatch, guard=guards.dispatchable),
    T("sign", ON_ORDER, None, ASSIGNEE, ("order_id",),
      label="签收 sign", order_states=PENDING, branch_on="order_role",
      outcomes={"lead": S.SIGNED, "assist": None}, facts=facts.sign),
    # 退单 is asked for before 签收 and waits for the dispatching center's decision.
    T("return", ON_ORDER, None, ASSIGNEE, ("order_id", "reason"), label="退单 return",
      order_states=PENDING, facts=facts.request_return, effect=effects.request_return),
    T("approve_return", ON_ORDER, None, DESK, ("order_id",), ("lead", "assists", "note"),
      label="同意退单 approve return", arbitrates=RETURNING, branch_on="outcome",
      outcomes={"redispatched": S.DISPATCHED, "returned": S.ACCEPTED, "assist": None},
      facts=facts.approve_return, effect=effects.approve_return, guard=guards.return_awaits),
    T("reject_return", ON_ORDER, None, DESK, ("order_id", "reason"),
      label="驳回退单 reject return", arbitrates=RETURNING, facts=facts.reject_return,
      effect=effects.reject_return, guard=guards.return_awaits),
    T("feedback", ON_ORDER, None, ASSIGNEE, ("order_id", "feedback"), ("photos",),
      label="协办反馈 assist feedback", order_states=SIGNED, assist_order_only=True,
      facts=facts.feedback),
    T("start", frozenset({S.SIGNED}), S.HANDLING, ASSIGNEE, ("order_id",), ("note",),
      label="开始处置 start handling", order_states=SIGNED, lead_order_only=True,
      facts=facts.order_facts),
    T("resolve", frozenset({S.HANDLING}), S.RESOLVED, ASSIGNEE, ("order_id", "result"),
      label="办结 resolve", order_states=SIGNED, lead_order_only=True, facts=facts.resolve,
      effect=effects.resolve),
    T("verify", frozenset({S.RESOLVED}), S.VERIFIED, DESK, optional=("note",),
      label="核查通过 verify"),
    T("rework", frozenset({S.RESOLVED}), S.HANDLING, DESK, ("reason",), label="返工 rework",
      facts=facts.rework_facts, effect=effects.rework),
    T("visit", frozenset({S.VERIFIED}), None, DESK, ("satisfaction",), ("note",),
      label="回访 return visit", branch_on="satisfaction",
      outcomes={"satisfied": S.VISITED, "basically_satisfied": S.VISITED,
                "unsatisfied": S.HANDLING},
      facts=facts.back_to_handling, effect=effects.visit),
    T("close", frozenset({S.VISITED}), S.CLOSED, DESK, optional=("note",), label="归档 close",
      effect=effects.close),
    T("escalate", frozenset({S.REPORTED, *IN_PROGRESS}), S.ACCEPTED, DESK | {Role.SYSTEM},
      ("reason",), label="上报 escalate", facts=facts.escalate, effect=effects.escalate,
      guard=guards.has_parent, raises=K.ESCALATION),
    T("urge", SUPERVISABLE, None, SUPERVISOR, optional=("message",), label="催办 urge",
      effect=effects.urge, raises=K.SUPERVISION, clears=frozenset({K.CASE_NEAR_DEADLINE})),
    T("notify", SUPERVISABLE, None, SUPERVISOR, ("reason",), label="通报 notify",
      effect=effects.notify, raises=K.SUPERVISION, clears=frozenset({K.CASE_NEAR_DEADLINE})),
    T("suspend", IN_PROGRESS, S.SUSPENDED, APPROVER, ("reason",), label="缓办 suspend",
      effect=effects.suspend),
    T("resume", frozenset({S.SUSPENDED}), PREVIOUS, DESK, optional=("note",),
      label="恢复 resume", facts=facts.resume, effect=effects.resume),
    # The deadline alerts end when an extension is granted (facts.extend), not when a late
    # request is filed for the next level's approval.
    T("extend", IN_PROGRESS, None, APPROVER, ("days", "reason"), label="延期 extend",
      facts=facts.extend, effect=effects.extend),
    T("assign_leader", frozenset({S.REPORTED, *IN_PROGRESS, S.RESOLVED, S.SUSPENDED}), None,
      APPROVER, ("leader", "plan"), ("review_on",), label="包保 assign leader and plan",
      facts=risk_actions.assign_leader, effect=effects.assign_leader),
    T("merge", frozenset({S.REPORTED, S.ACCEPTED}), S.MERGED, DESK, ("into",),
      label="合并 merge as duplicate", facts=facts.merge, effect=effects.merge,
      guard=guards.merge_target_exists),
    T("reopen", frozenset({S.CLOSED}), S.ACCEPTED, APPROVER, ("reason",), label="重启 reopen",
      facts=facts.reopen, effect=effects.reopen,
      clears=frozenset({K.CASE_NEAR_DEADLINE, K.CASE_OVERDUE})),
    # The risk register: a grade changes at any time while the case is open, with a reason;
    # the plan (一案一策) is reviewed by its date; a higher center issues 督办.
    T("regrade", OPEN_STATES, None, DESK, ("risk", "reason"), ("leader", "plan", "review_on"),
      label="调整风险等级 regrade", facts=risk_actions.regrade, effect=effects.regrade),
    T("plan_review", OPEN_STATES, None, DESK, ("note", "review_on"), ("plan",),
      label="一案一策复核 plan review", facts=risk_actions.plan_review,
      effect=effects.plan_review, guard=risk_actions.has_plan,
      clears=frozenset({K.PLAN_REVIEW_OVERDUE})),
    T("supervise", SUPERVISABLE, None, DESK, ("note",), ("deadline",), label="督办 supervise",
      facts=risk_actions.supervise, effect=effects.supervise, guard=risk_actions.from_above,
      raises=K.SUPERVISION),
)
# fmt: on
del T, K, PENDING, SIGNED, RETURNING, ON_ORDER

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
#: Creating a case: the one action without a prior state (through :mod:`dispatch.report`).
REPORT = Transition(
    "report", frozenset(), S.REPORTED, frozenset({Role.GRID_WORKER, Role.SYSTEM, *DESK}),
    label="上报 report", effect=effects.report,
)  # fmt: skip
REPORT_ROLES = REPORT.roles

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
    "snapshot",  # 取证截图 taken from a camera on the case page, outside any session
    "clip",  # 录像片段 cut from the recordings and kept as evidence (its SHA-256)
)
_EFFECTS: dict[str, Effect] = {
    **{t.action: t.effect for t in (*TRANSITIONS, REPORT)},
    **dict.fromkeys(RECORD_ONLY_ACTIONS, no_effect),
}


def effect_of(action: str) -> Effect:
    """The effect on a case's columns of an event with this action (KeyError if unknown)."""
    return _EFFECTS[action]


def role_allows(transition: Transition, principal: Principal) -> bool:
    return transition.allows_role(principal)


def actions_in(state: str) -> list[str]:
    """Actions the declaration lists from ``state``, for anyone (see :func:`allowed_actions`
    for one principal on one case)."""
    return [t.action for t in TRANSITIONS if state in t.sources]


def allowed_actions(session: Session, principal: Principal, case: Case) -> list[str]:
    """Exactly the actions :func:`dispatch.cases.perform` accepts from ``principal`` on ``case``
    now, given a valid payload: the state, the roles, the scope or the order held, and each
    transition's guard, checked by the same :func:`dispatch.permissions.refusal` the service
    applies. Empty when the principal cannot see the case."""
    if not can_see(session, principal, case):
        return []
    return [t.action for t in TRANSITIONS if refusal(session, principal, case, t) is None]


def markdown_table() -> str:
    """The declaration as a Markdown table (for the documentation)."""
    lines = [
        "| action | from | to | roles | required | optional |",
        "|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        if t.branch_on:
            to = "; ".join(f"{k} → {v or 'unchanged'}" for k, v in t.outcomes.items())
            to = f"by {t.branch_on}: {to}"
        else:
            to = t.target or "unchanged"
        lines.append(
            f"| `{t.action}` {t.label} | {', '.join(sorted(t.sources))} | {to} | "
            f"{', '.join(sorted(t.roles))} | {', '.join(t.required) or '—'} | "
            f"{', '.join(t.optional) or '—'} |"
        )
    return "\n".join(lines)
