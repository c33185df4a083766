"""The case workflow as data: one table of actions, read by small functions.

Each :class:`Transition` says from which states an action may be taken, where it leads, who
may take it and which payload fields it requires. Some actions lead to a state chosen by a
payload value (``visit`` by satisfaction) or by the role of the order acted on (``sign``,
``return``): ``outcomes`` maps that value to the next state, ``None`` meaning "unchanged".
:data:`PREVIOUS` sends a suspended case back where it was.

The table is rendered into ``docs/dispatch.md`` by :func:`markdown_table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dispatch.principal import Principal, Role
from dispatch.types import CaseState as S

PREVIOUS = "<previous>"
#: Operators, duty officers and leaders of the owning center (and above).
DESK = frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER})
#: Whoever holds a dispatch order: a department liaison or the target center's desk.
ASSIGNEE = frozenset({Role.LIAISON, Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER})
APPROVER = frozenset({Role.LEADER})
IN_PROGRESS = frozenset({S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.HANDLING})
SUPERVISABLE = frozenset({S.REPORTED, *IN_PROGRESS, S.RESOLVED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    target: S | str | None
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    label: str = ""
    #: Acts on one dispatch order (payload ``order_id``): only that order's holder may act.
    on_order: bool = False
    #: Branch on this payload field (or ``order_role``) instead of ``target``.
    branch_on: str | None = None
    outcomes: Mapping[str, S | None] = field(default_factory=dict)

    def next_state(self, current: S, branch_value: str | None, previous: str | None) -> S:
        target = self.outcomes[branch_value] if self.branch_on else self.target  # type: ignore[index]
        if target is None:
            return current
        if target == PREVIOUS:
            return S(previous) if previous else S.ACCEPTED
        return S(target)


T = Transition
# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    T("accept", frozenset({S.REPORTED}), S.ACCEPTED, DESK,
      optional=("risk", "complexity", "leader", "plan", "note"), label="受理 accept"),
    T("refuse", frozenset({S.REPORTED}), S.REFUSED, DESK, ("reason",), label="不予受理 refuse"),
    T("dispatch", frozenset({S.ACCEPTED}), S.DISPATCHED, DESK, ("lead",),
      ("assists", "note"), label="派单 dispatch"),
    T("sign", frozenset({S.DISPATCHED, S.SIGNED, S.HANDLING}), None, ASSIGNEE, ("order_id",),
      label="签收 sign", on_order=True, branch_on="order_role",
      outcomes={"lead": S.SIGNED, "assist": None}),
    T("return", frozenset({S.DISPATCHED, S.SIGNED, S.HANDLING}), None, ASSIGNEE,
      ("order_id", "reason"), label="退单 return", on_order=True, branch_on="order_role",
      outcomes={"lead": S.ACCEPTED, "assist": None}),
    T("start", frozenset({S.SIGNED}), S.HANDLING, ASSIGNEE, ("order_id",), ("note",),
      label="开始处置 start handling", on_order=True),
    T("resolve", frozenset({S.HANDLING}), S.RESOLVED, ASSIGNEE, ("order_id", "result"),
      label="办结 resolve", on_order=True),
    T("verify", frozenset({S.RESOLVED}), S.VERIFIED, DESK, optional=("note",),
      label="核查通过 verify"),
    T("rework", frozenset({S.RESOLVED}), S.HANDLING, DESK, ("reason",), label="返工 rework"),
    T("visit", frozenset({S.VERIFIED}), None, DESK, ("satisfaction",), ("note",),
      label="回访 return visit", branch_on="satisfaction",
      outcomes={"satisfied": S.VISITED, "basically_satisfied": S.VISITED,
                "unsatisfied": S.HANDLING}),
    T("close", frozenset({S.VISITED}), S.CLOSED, DESK, optional=("note",), label="归档 close"),
    T("escalate", frozenset({S.REPORTED, *IN_PROGRESS}), S.ACCEPTED, DESK | {Role.SYSTEM},
      ("reason",), label="上报 escalate"),
    T("urge", SUPERVISABLE, None, APPROVER | {Role.DUTY_OFFICER, Role.SYSTEM},
      optional=("message",), label="催办 urge"),
    T("notify", SUPERVISABLE, None, APPROVER | {Role.DUTY_OFFICER, Role.SYSTEM}, ("reason",),
      label="通报 notify"),
    T("suspend", IN_PROGRESS, S.SUSPENDED, APPROVER, ("reason",), label="缓办 suspend"),
    T("resume", frozenset({S.SUSPENDED}), PREVIOUS, DESK, optional=("note",),
      label="恢复 resume"),
    T("extend", IN_PROGRESS, None, APPROVER, ("days", "reason"), label="延期 extend"),
    T("assign_leader", frozenset({S.REPORTED, *IN_PROGRESS, S.RESOLVED, S.SUSPENDED}), None,
      APPROVER, ("leader", "plan"), label="包保 assign leader and plan"),
    T("merge", frozenset({S.REPORTED, S.ACCEPTED}), S.MERGED, DESK, ("into",),
      label="合并 merge as duplicate"),
    T("reopen", frozenset({S.CLOSED}), S.ACCEPTED, APPROVER, ("reason",), label="重启 reopen"),
)
# fmt: on
del T

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
#: Creating a case is the one action without a prior state.
REPORT_ROLES = frozenset({Role.GRID_WORKER, Role.SYSTEM, *DESK})
#: High-risk cases cannot move on without a responsible leader (包保) and a plan (一案一策).
NEEDS_LEADER_AND_PLAN = frozenset({"accept", "dispatch"})


def role_allows(transition: Transition, principal: Principal) -> bool:
    return principal.has(*transition.roles) and (
        principal.allowed_actions is None or transition.action in principal.allowed_actions
    )


def allowed_actions(state: str, principal: Principal | None = None) -> list[str]:
    """Actions possible from ``state`` (for ``principal``'s roles when given)."""
    return [
        t.action
        for t in TRANSITIONS
        if state in t.sources and (principal is None or role_allows(t, principal))
    ]


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
