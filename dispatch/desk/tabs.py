"""The inbox's tabs as data, who may ever see each, and whose orders a desk holds (see
:mod:`dispatch.desk.inbox` for the table of tabs and the queries that fill them)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import CaseEscalation, CaseEvent, Center, Department, DispatchOrder
from dispatch.principal import Principal, Role
from dispatch.types import CaseState as S
from dispatch.types import OrderState
from dispatch.workflow import BY_ACTION, REPORT

DESK_ROLES = (Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER)


class Tab(StrEnum):
    TO_SIGN = "to_sign"  # 待签收
    HANDLING = "handling"  # 办理中
    TO_ACCEPT = "to_accept"  # 待受理
    TO_DISPATCH = "to_dispatch"  # 待派单
    RETURN_REVIEW = "return_review"  # 退单待审核: returns asked of this center's orders
    RETURNED = "returned"  # 退单待处理
    TO_VERIFY = "to_verify"  # 待核查
    TO_VISIT = "to_visit"  # 待回访
    TO_CLOSE = "to_close"  # 待归档
    SUPERVISED = "supervised"  # 督办/催办
    ESCALATED = "escalated"  # 已上报: what the center sent up, and where each stands
    REPORTED = "reported"  # 我上报的: a reporter's own reports and where each stands


@dataclass(frozen=True)
class TabRule:
    """A tab as data: orders in ``order_state`` addressed to the principal, or cases at its
    center; cases in ``case_states``; visible to whoever may take one of ``actions``."""

    tab: Tab
    actions: tuple[str, ...]
    case_states: tuple[str, ...]
    order_state: str | None = None
    returned: bool | None = None
    #: Orders of the center's own cases whose return awaits its decision (退单 arbitration).
    arbitrate: bool = False
    #: The cases the principal itself reported (the trail's ``report`` line is its own),
    #: whatever their state and wherever they went: a reporter without a desk sees here what
    #: became of each report (受理 or 不予受理 with the reason, 派单, 办结 …).
    reporter: bool = False
    #: The cases the principal's center sent up (上报上级), whatever became of them since: a
    #: desk answers the caller who asks what its center did with the case.
    escalated: bool = False


def _states(*states: S) -> tuple[str, ...]:
    return tuple(sorted(s.value for s in states))


_ORDER_CASE_STATES = _states(*BY_ACTION["sign"].sources)
#: The inbox's tabs in the order work flows.
TABS: tuple[TabRule, ...] = (
    TabRule(Tab.TO_SIGN, ("sign", "return"), _ORDER_CASE_STATES, OrderState.PENDING.value),
    TabRule(Tab.HANDLING, ("start", "resolve", "feedback"), _ORDER_CASE_STATES,
            OrderState.SIGNED.value),
    TabRule(Tab.TO_ACCEPT, ("accept", "refuse"), _states(S.REPORTED)),
    TabRule(Tab.TO_DISPATCH, ("dispatch",), _states(S.ACCEPTED), returned=False),
    TabRule(Tab.RETURN_REVIEW, ("approve_return", "reject_return"),
            _states(*BY_ACTION["approve_return"].sources), arbitrate=True),
    TabRule(Tab.RETURNED, ("dispatch",), _states(S.ACCEPTED), returned=True),
    TabRule(Tab.TO_VERIFY, ("verify", "rework"), _states(S.RESOLVED)),
    TabRule(Tab.TO_VISIT, ("visit",), _states(S.VERIFIED)),
    TabRule(Tab.TO_CLOSE, ("close",), _states(S.VISITED)),
    TabRule(Tab.SUPERVISED, (), _states(*BY_ACTION["urge"].sources)),
    TabRule(Tab.ESCALATED, ("escalate",), (), escalated=True),
    TabRule(Tab.REPORTED, ("report",), (), reporter=True),
)  # fmt: skip
BY_TAB: dict[Tab, TabRule] = {r.tab: r for r in TABS}


def _may(principal: Principal, action: str) -> bool:
    """The principal's roles and credentials allow ``action`` (as the workflow checks)."""
    t = REPORT if action == REPORT.action else BY_ACTION[action]
    return principal.has(*t.roles) and (
        principal.allowed_actions is None or action in principal.allowed_actions
    )


def tabs_for(principal: Principal) -> tuple[Tab, ...]:
    """The tabs that can ever hold something for this principal (by its roles)."""
    out = []
    for rule in TABS:
        if rule.reporter:
            # A desk follows its reports in its center's lists; a grid worker has no other.
            ok = _may(principal, "report") and not principal.has(*DESK_ROLES) and (
                principal.department is None
            )
        elif rule.escalated:
            ok = principal.has(*DESK_ROLES) and _may(principal, "escalate")
        elif rule.tab is Tab.SUPERVISED:
            ok = principal.has(*DESK_ROLES) or principal.department is not None
        elif rule.order_state is not None:
            ok = any(_may(principal, a) for a in rule.actions) and (
                principal.has(*DESK_ROLES) or principal.department is not None
            )
        else:
            ok = principal.has(*DESK_ROLES) and any(_may(principal, a) for a in rule.actions)
        if ok:
            out.append(rule.tab)
    return tuple(out)


@dataclass(frozen=True)
class Desk:
    """Who the principal is in the registry: its home center and department ids."""

    center_id: int | None
    center_path: str
    department_id: int | None
    desk: bool

    @classmethod
    def of(cls, session: Session, principal: Principal) -> Desk:
        """Read once per session and principal (the registry does not change under a desk)."""
        key = ("desk", principal.center_path, principal.department, principal.has(*DESK_ROLES))
        found = session.info.get(key)
        if found is None:
            found = cls._read(session, principal)
            if found.center_id is not None and (found.department_id is not None) == bool(
                principal.department
            ):  # only what was found whole is kept
                session.info[key] = found
        return found

    @classmethod
    def _read(cls, session: Session, principal: Principal) -> Desk:
        code = principal.center_path.rsplit("/", 1)[-1]
        center_id = session.scalar(
            sa.select(Center.id).where(Center.code == code, Center.path == principal.center_path)
        )
        department_id = None
        if principal.department:
            department_id = session.scalar(
                sa.select(Department.id).where(Department.code == principal.department)
            )
        return cls(center_id, principal.center_path, department_id, principal.has(*DESK_ROLES))


def addressed(me: Desk, order: type[DispatchOrder] | DispatchOrder) -> sa.ColumnElement[bool]:
    """Orders this principal holds in its own name: to its department, or to its center."""
    parts = []
    if me.department_id is not None:
        parts.append(order.department_id == me.department_id)
    if me.desk and me.center_id is not None:
        parts.append(order.center_id == me.center_id)
    return sa.or_(*parts) if parts else sa.false()


def reported_ids(actor: str) -> sa.Select:
    """The cases whose ``report`` line names ``actor`` (``ix_case_events_actor_action``)."""
    return sa.select(CaseEvent.case_id).where(
        CaseEvent.actor == actor, CaseEvent.action == "report"
    )


def escalated_ids(me: Desk) -> sa.Select:
    """The cases this desk's center sent up (``ix_case_escalations_from_center_case``)."""
    if not me.desk or me.center_id is None:
        return sa.select(CaseEscalation.case_id).where(sa.false())
    return sa.select(CaseEscalation.case_id).where(CaseEscalation.from_center_id == me.center_id)
