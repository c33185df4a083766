"""The shape of one workflow transition: everything an action is, in one value.

A :class:`Transition` says from which states an action may be taken and where it leads, who may
take it, which payload fields it requires or accepts, what it must find true of the case before
it may be taken at all (``guard``), the facts it works out and records in its event
(``facts``), what it does to the case's columns (``effect``) and the duty alerts it raises or
clears. The table of every action is :data:`dispatch.workflow.TRANSITIONS`; the service applies
a transition without knowing which action it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dispatch.principal import Principal, Role
from dispatch.types import AlertKind, OrderState
from dispatch.types import CaseState as S

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dispatch.errors import DispatchError
    from dispatch.facts import ActionContext
    from dispatch.models import Case

PREVIOUS = "<previous>"
#: Operators, duty officers and leaders of the owning center (and above).
DESK = frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER})
#: Whoever holds a dispatch order: a department liaison or the target center's desk.
ASSIGNEE = frozenset({Role.LIAISON, Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER})
APPROVER = frozenset({Role.LEADER})
SUPERVISOR = frozenset({Role.LEADER, Role.DUTY_OFFICER, Role.SYSTEM})
IN_PROGRESS = frozenset({S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.HANDLING})
#: 催办 and 通报 press whoever holds the work: not a case whose resolution awaits 核查 (the
#: handler is done; the verifying center's time does not count against the handler).
SUPERVISABLE = frozenset({S.REPORTED, *IN_PROGRESS})

#: What an action does to a case's columns: ``(case, payload, at, from_state)``. Pure, so the
#: live path and a replay of the trail apply the same function to the same payload.
Effect = Callable[[Any, Mapping[str, Any], datetime, "str | None"], None]
#: The facts an action works out before it is applied (new deadline, order role …).
Facts = Callable[["ActionContext"], dict[str, Any]]
#: A condition on the case alone (not on the payload) without which no payload could make the
#: action succeed: returns the refusal, or None.
Guard = Callable[["Session", Principal, "Case"], "DispatchError | None"]


def no_facts(ctx: ActionContext) -> dict[str, Any]:
    return {}


def no_effect(case: Any, payload: Mapping[str, Any], at: datetime, from_state: str | None) -> None:
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    target: S | str | None
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    label: str = ""
    #: Acts on one dispatch order (payload ``order_id``) in one of these states: only that
    #: order's holder may act. Empty: the action acts on the case (its owning center's desk).
    order_states: frozenset[OrderState] = frozenset()
    #: The order acted on must be the lead (主办) order.
    lead_order_only: bool = False
    #: The order acted on must be an assisting (协办) order.
    assist_order_only: bool = False
    #: A case action (the owning center's desk) deciding on one of the case's orders, named by
    #: payload ``order_id``, in one of these states: 退单 arbitration, not the holder's act.
    arbitrates: frozenset[OrderState] = frozenset()
    #: Branch on this payload field (or ``order_role``) instead of ``target``.
    branch_on: str | None = None
    outcomes: Mapping[str, S | None] = field(default_factory=dict)
    facts: Facts = no_facts
    effect: Effect = no_effect
    guard: Guard | None = None
    #: Alert raised on this case after the action (worded by :mod:`dispatch.case_alerts`).
    raises: AlertKind | None = None
    #: Alerts of this case that end with the action.
    clears: frozenset[AlertKind] = frozenset()

    @property
    def on_order(self) -> bool:
        return bool(self.order_states)

    def fits_role(self, role: str) -> bool:
        """Whether an order of this role (``lead`` / ``assist``) may be acted on."""
        if self.lead_order_only:
            return role == "lead"
        if self.assist_order_only:
            return role == "assist"
        return True

    def next_state(self, current: S, branch_value: str | None, previous: str | None) -> S:
        target = self.outcomes[branch_value] if self.branch_on else self.target  # type: ignore[index]
        if target is None:
            return current
        if target == PREVIOUS:
            return S(previous) if previous else S.ACCEPTED
        return S(target)

    def allows_role(self, principal: Principal) -> bool:
        """The principal has one of the roles, and its credentials do not exclude the action."""
        return principal.has(*self.roles) and (
            principal.allowed_actions is None or self.action in principal.allowed_actions
        )
