"""Whether a principal may take an action on a case: the one rule, asked by the service before
it acts and by :func:`dispatch.workflow.allowed_actions` for the actions a page offers.

:func:`refusal` answers with the error the service raises, or None. It checks the state, the
grant (:func:`grants`), the scope (a case action needs the owning center's subtree; an order
action an order of the case addressed to the principal, in a state the action accepts) and the
transition's guard. Payload values are checked afterwards, by the payload validation and the
action's facts.

An account is granted a workflow action by its roles (the workflow declaration); an API token
by its named actions (``zongzhi token create … --action accept``), whatever its roles, always
within its center subtree. A token acts on the orders addressed to its own center, like that
center's desk.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import orders as order_rules
from dispatch.errors import ActionNotAllowed, DispatchError, Forbidden, NotFound
from dispatch.models import Case, CaseEscalation, CaseEvent, Center, DispatchOrder
from dispatch.principal import Principal, Role
from dispatch.transitions import Transition


def is_token(principal: Principal) -> bool:
    """A principal narrowed by an API token: its named actions are its grants."""
    return principal.allowed_actions is not None


def grants(principal: Principal, transition: Transition) -> bool:
    """Whether the principal's credentials grant the action: a token's named actions, an
    account's roles (an administrator every action)."""
    if principal.allowed_actions is not None:
        return transition.action in principal.allowed_actions
    return principal.has(*transition.roles)


def not_granted(principal: Principal, transition: Transition) -> Forbidden:
    """The refusal for an action the credentials do not grant, naming what is missing."""
    if principal.allowed_actions is not None:
        return Forbidden(
            f"action {transition.action!r} is not granted to this token "
            f"(its actions: {', '.join(sorted(principal.allowed_actions)) or 'none'})"
        )
    needed = ", ".join(sorted(transition.roles))
    return Forbidden(f"action {transition.action!r} needs one of the roles: {needed}")


def holds(session: Session, principal: Principal, order: DispatchOrder) -> bool:
    """Whether ``principal`` may act on ``order`` (:func:`dispatch.orders.holds`); a token
    holds the orders addressed to its own center."""
    if is_token(principal) and order.center_id is not None:
        center = session.get(Center, order.center_id)
        return center is not None and center.path == principal.center_path
    return order_rules.holds(session, principal, order)


def can_see(session: Session, principal: Principal, case: Case) -> bool:
    """The owning center's subtree sees a case; so does whoever holds one of its orders."""
    if principal.sees(case.owning_path):
        return True
    return any(holds(session, principal, o) for o in _orders(session, case))


def reported_by(session: Session, principal: Principal, case: Case) -> bool:
    """Whether the case's ``report`` line names the principal: its reporter may read it
    wherever it went since (escalated above its center, say), but acts only within its scope.
    An API token is never a reporter (it reports on behalf of its center)."""
    if is_token(principal):
        return False
    query = (
        sa.select(CaseEvent.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "report",
               CaseEvent.actor == principal.actor)
        .limit(1)
    )
    return session.scalar(query) is not None


#: Roles of a center's desk: they follow what their center sent up (已上报).
_DESK = (Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER)


def escalated_from(session: Session, principal: Principal, case: Case) -> bool:
    """Whether the principal is a desk of a center that sent the case up (上报上级)."""
    if is_token(principal) or not principal.has(*_DESK):
        return False
    query = (
        sa.select(CaseEscalation.id)
        .join(Center, Center.id == CaseEscalation.from_center_id)
        .where(CaseEscalation.case_id == case.id, Center.path == principal.center_path)
        .limit(1)
    )
    return session.scalar(query) is not None


def follows(session: Session, principal: Principal, case: Case) -> bool:
    """Whether the principal may read a case outside its scope, read-only: it reported the
    case, or its center's desk sent it up. Actions keep to the scope (:func:`refusal`)."""
    return reported_by(session, principal, case) or escalated_from(session, principal, case)


def _orders(session: Session, case: Case) -> list[DispatchOrder]:
    return list(
        session.scalars(
            sa.select(DispatchOrder)
            .where(DispatchOrder.case_id == case.id)
            .order_by(DispatchOrder.id)
        )
    )


def refusal(
    session: Session,
    principal: Principal,
    case: Case,
    transition: Transition,
    order_id: int | None = None,
) -> DispatchError | None:
    """Why ``principal`` may not take ``transition`` on ``case`` now, or None when it may.

    For an order action, ``order_id`` names the order acted on; without it the question is
    whether any order of the case would do. A refusal for the case's state carries no list of
    allowed actions (the caller adds it: the list is made of answers of this function).
    """
    if case.state not in transition.sources:
        return ActionNotAllowed(transition.action, case.state, ())
    if not grants(principal, transition):
        return not_granted(principal, transition)
    if transition.on_order:
        error = _order_refusal(session, principal, case, transition, order_id)
        if error is not None:
            return error
    elif not principal.sees(case.owning_path):
        return Forbidden(f"case {case.id} belongs to another center; act through your order")
    return transition.guard(session, principal, case) if transition.guard else None


def _order_refusal(
    session: Session,
    principal: Principal,
    case: Case,
    transition: Transition,
    order_id: int | None,
) -> DispatchError | None:
    if order_id is not None:
        order = session.get(DispatchOrder, order_id)
        if order is None or order.case_id != case.id:
            return NotFound("order", order_id)
        return _one_order(session, principal, transition, order)
    first: DispatchError | None = None
    for order in _orders(session, case):
        error = _one_order(session, principal, transition, order)
        if error is None:
            return None
        if first is None or isinstance(first, Forbidden):
            first = error
    return first or Forbidden(f"case {case.id} has no order for {transition.action!r}")


def _one_order(
    session: Session, principal: Principal, transition: Transition, order: DispatchOrder
) -> DispatchError | None:
    if not holds(session, principal, order):
        return Forbidden(f"order {order.id} is not addressed to you")
    if order.state not in transition.order_states or not transition.fits_role(order.role):
        return ActionNotAllowed(transition.action, f"order {order.role}/{order.state}", ())
    return None
