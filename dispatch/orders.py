"""Dispatch orders (派单): who holds a case's work, and what an order allows.

An order goes to a department stationed in the owning center's subtree, or to a lower center.
A department's orders are acted on by its liaisons; a center's orders by that center's desk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.models import Case, Center, Department, DispatchOrder
from dispatch.principal import Principal, Role
from dispatch.types import OrderRole, OrderState

#: Orders still out: waiting for 签收, signed, or their return awaiting the center's decision.
ACTIVE = (OrderState.PENDING.value, OrderState.SIGNED.value, OrderState.RETURN_REQUESTED.value)


def resolve_target(
    session: Session, case: Case, target: dict[str, str], field: str
) -> dict[str, Any]:
    """Check a dispatch target lies below the owning center; return its ids for the order."""
    ((key, code),) = target.items()
    if key == "department":
        dept = session.scalar(sa.select(Department).where(Department.code == code))
        if dept is None:
            raise InvalidInput(field, f"unknown department {code}")
        center = session.get(Center, dept.center_id)
        assert center is not None
        if not _within(center.path, case.owning_path):
            raise InvalidInput(field, f"department {code} is not under the owning center")
        return {"department_id": dept.id, "center_id": None, "label": dept.name}
    center = session.scalar(sa.select(Center).where(Center.code == code))
    if center is None:
        raise InvalidInput(field, f"unknown center {code}")
    if not center.path.startswith(case.owning_path + "/"):
        raise InvalidInput(field, f"center {code} is not below the owning center")
    return {"department_id": None, "center_id": center.id, "label": center.name}


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def create_orders(
    session: Session,
    case: Case,
    lead: dict[str, Any] | None,
    assists: list[dict[str, Any]],
    actor: str,
    at: datetime,
) -> list[DispatchOrder]:
    """The lead order (None: assists only, replacing a returned assist) and the assists."""
    lead_part = [(OrderRole.LEAD, lead)] if lead is not None else []
    orders = [
        DispatchOrder(
            case_id=case.id,
            department_id=t["department_id"],
            center_id=t["center_id"],
            role=role.value,
            state=OrderState.PENDING.value,
            dispatched_at=at,
            dispatched_by=actor,
        )
        for role, t in [*lead_part, *((OrderRole.ASSIST, a) for a in assists)]
    ]
    session.add_all(orders)
    session.flush()
    return orders


def active_orders(session: Session, case_id: int) -> list[DispatchOrder]:
    return list(
        session.scalars(
            sa.select(DispatchOrder).where(
                DispatchOrder.case_id == case_id, DispatchOrder.state.in_(ACTIVE)
            )
        )
    )


def assist_orders(session: Session, case_id: int) -> list[DispatchOrder]:
    """The case's assisting orders (协办) not cancelled or returned, oldest first."""
    return list(
        session.scalars(
            sa.select(DispatchOrder)
            .where(
                DispatchOrder.case_id == case_id,
                DispatchOrder.role == OrderRole.ASSIST.value,
                DispatchOrder.state.not_in(
                    (OrderState.CANCELLED.value, OrderState.RETURNED.value)
                ),
            )
            .order_by(DispatchOrder.id)
        )
    )


def lead_order(session: Session, case_id: int) -> DispatchOrder | None:
    return session.scalar(
        sa.select(DispatchOrder)
        .where(
            DispatchOrder.case_id == case_id,
            DispatchOrder.role == OrderRole.LEAD.value,
            DispatchOrder.state != OrderState.CANCELLED.value,
            DispatchOrder.state != OrderState.RETURNED.value,
        )
        .order_by(DispatchOrder.id.desc())
    )


def cancel_active(session: Session, case_id: int) -> None:
    for order in active_orders(session, case_id):
        order.state = OrderState.CANCELLED.value


def holds(session: Session, principal: Principal, order: DispatchOrder) -> bool:
    """Whether ``principal`` may act on ``order``: its department's liaison, or its center's desk."""
    if Role.ADMIN in principal.roles:
        return True
    if order.department_id is not None:
        dept = session.get(Department, order.department_id)
        return dept is not None and principal.department == dept.code
    # The addressee's own desk, not its ancestors: work sent to a village is signed and done by
    # that village (its ancestors follow it through the case they own or supervise), so the
    # level that resolved it and the village's inbox stay true.
    center = session.get(Center, order.center_id)
    return (
        center is not None
        and principal.center_path == center.path
        and principal.has(Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER)
    )


def handled_level(session: Session, order: DispatchOrder) -> int:
    """The level of the center that did the work (a department counts at its center's level)."""
    center_id = order.center_id
    if center_id is None:
        dept = session.get(Department, order.department_id)
        assert dept is not None
        center_id = dept.center_id
    center = session.get(Center, center_id)
    assert center is not None
    return center.level
