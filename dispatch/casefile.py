"""What the case page shows beside the case itself: order targets, the orders the viewer
holds, where the case may be dispatched, and the cameras that look at it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import Forbidden
from dispatch.models import Camera, Case, Center, Department, DispatchOrder
from dispatch.orders import holds
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.scopes import center_names
from dispatch.types import OrderState


def order_targets(session: Session, orders: list[DispatchOrder]) -> dict[int, str]:
    """Order id → the name of the department or center it went to."""
    dept_ids = {o.department_id for o in orders if o.department_id}
    depts = dict(session.execute(
        sa.select(Department.id, Department.name).where(Department.id.in_(dept_ids))
    ).all()) if dept_ids else {}
    centers = center_names(session, {o.center_id for o in orders if o.center_id})
    return {
        o.id: depts.get(o.department_id, "") if o.department_id else centers.get(o.center_id or 0, "")
        for o in orders
    }


def held_orders(session: Session, principal: Principal, orders: list[DispatchOrder]) -> list[DispatchOrder]:
    """The open orders ``principal`` may sign, return or finish."""
    open_states = (OrderState.PENDING.value, OrderState.SIGNED.value)
    return [o for o in orders if o.state in open_states and holds(session, principal, o)]


def dispatch_targets(session: Session, case: Case) -> list[tuple[dict[str, str], str]]:
    """Departments at or under the owning center, then its child centers (the API's rule)."""
    depts = session.execute(
        sa.select(Department.code, Department.name, Center.name)
        .join(Center, Department.center_id == Center.id)
        .where(subtree_filter(Center.path, case.owning_path))
        .order_by(Center.level, Department.code)
        .limit(200)
    ).all()
    kids = session.execute(
        sa.select(Center.code, Center.name).where(Center.parent_id == case.center_id).order_by(Center.code)
    ).all()
    return [({"department": code}, f"{name}（{cname}）") for code, name, cname in depts] + [
        ({"center": code}, name) for code, name in kids
    ]


def case_cameras(session: Session, case: Case, limit: int = 4) -> list[str]:
    """The case's own camera, then cameras of its grid and of its center (village)."""
    found: list[str] = [case.camera_id] if case.camera_id else []
    conditions = [Camera.center_id == case.center_id, Camera.center_id == case.reported_center_id]
    if case.grid_id is not None:
        conditions.append(Camera.grid_id == case.grid_id)
    for (cid,) in session.execute(
        sa.select(Camera.id).where(Camera.enabled.is_(True), sa.or_(*conditions)).order_by(Camera.id)
    ):
        if cid not in found:
            found.append(cid)
    return found[:limit]


def intake_centers(session: Session, principal: Principal, scope_path: str, limit: int = 2000) -> list[tuple[str, str]]:
    """(code, name) of the centers a walk-in or hotline case may be registered at."""
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    rows = session.execute(
        sa.select(Center.code, Center.name).where(subtree_filter(Center.path, scope_path))
        .order_by(Center.level, Center.code).limit(limit)
    ).all()
    return [(code, name) for code, name in rows]
