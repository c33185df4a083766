"""What the case page shows beside the case itself: the case by its number, order targets,
the orders the viewer holds, where the case may be dispatched, its cameras (nearest first),
its attachments and the display names of the people on its trail."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.accounts.models import User
from dispatch.cases import get_case
from dispatch.consultation.chain import propose_cameras
from dispatch.errors import Forbidden, NotFound
from dispatch.models import Attachment, Camera, Case, Center, Department, DispatchOrder, Grid, Unit
from dispatch.orders import holds
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.scopes import center_names
from dispatch.types import OrderState


def case_by_number(
    session: Session, principal: Principal, number: str, *, follower: bool = False
) -> Case:
    """The case numbered ``number`` as ``principal`` may see it (NotFound otherwise);
    ``follower``: also a case it follows outside its scope (:func:`dispatch.cases.get_case`)."""
    case_id = session.scalar(sa.select(Case.id).where(Case.number == number.strip()))
    if case_id is None:
        raise NotFound("case", number)
    return get_case(session, principal, case_id, follower=follower)


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


@dataclass(frozen=True)
class DispatchTargets:
    """Where a case may be sent, in two lists: (code, display name) of each."""

    departments: list[tuple[str, str]] = field(default_factory=list)
    centers: list[tuple[str, str]] = field(default_factory=list)


def dispatch_targets(session: Session, case: Case) -> DispatchTargets:
    """Departments stationed at or under the owning center, and the centers directly below
    it: targets :func:`dispatch.orders.resolve_target` accepts."""
    depts = session.execute(
        sa.select(Department.code, Department.name, Center.name, Center.id)
        .join(Center, Department.center_id == Center.id)
        .where(subtree_filter(Center.path, case.owning_path))
        .order_by(Center.level, Department.code)
        .limit(200)
    ).all()
    kids = session.execute(
        sa.select(Center.code, Center.name)
        .where(Center.parent_id == case.center_id, Center.path.like(case.owning_path + "/%"))
        .order_by(Center.code)
    ).all()
    return DispatchTargets(
        [(code, name if cid == case.center_id else f"{name}（{cname}）") for code, name, cname, cid in depts],
        [(code, name) for code, name in kids],
    )


def case_cameras(session: Session, case: Case, viewer: Principal | None = None, limit: int = 6) -> list[str]:
    """The case's own camera, then the cameras of its grid and village, nearest first (those
    of its township when the grid and village have none); only cameras in ``viewer``'s
    subtree when a viewer is given (the stream routes refuse the others)."""
    found: list[str] = [case.camera_id] if case.camera_id else []
    proposals = propose_cameras(session, case)
    near = [p for p in proposals if p.scope in ("grid", "village")] or proposals
    found += [p.camera_id for p in near if p.camera_id not in found]
    if viewer is not None:
        paths = dict(session.execute(
            sa.select(Camera.id, Center.path).join(Center, Camera.center_id == Center.id)
            .where(Camera.id.in_(found))
        ).all())
        found = [c for c in found if c in paths and viewer.sees(paths[c])]
    return found[:limit]


def case_attachments(session: Session, case: Case) -> list[Attachment]:
    """The case's photos and documents, oldest first."""
    return list(session.scalars(
        sa.select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ))


def actor_names(session: Session, actors: set[str]) -> dict[str, str]:
    """Account name → display name, for the accounts among ``actors`` that have one."""
    if not actors:
        return {}
    rows = session.execute(
        sa.select(User.username, User.display_name).where(User.username.in_(sorted(actors)))
    )
    return {username: display for username, display in rows if display}


def intake_centers(session: Session, principal: Principal, scope_path: str, limit: int = 2000) -> list[tuple[str, str]]:
    """(code, name) of the centers a walk-in or hotline case may be registered at."""
    if not principal.sees(scope_path):
        raise Forbidden(f"scope {scope_path} is outside your center")
    rows = session.execute(
        sa.select(Center.code, Center.name).where(subtree_filter(Center.path, scope_path))
        .order_by(Center.level, Center.code).limit(limit)
    ).all()
    return [(code, name) for code, name in rows]


def center_grids(session: Session, center_code: str, limit: int = 2000) -> list[tuple[str, str]]:
    """(code, name) of the grids at or under the center ``center_code``."""
    path = session.scalar(sa.select(Center.path).where(Center.code == center_code))
    if path is None:
        return []
    rows = session.execute(
        sa.select(Grid.code, Grid.name).join(Center, Grid.center_id == Center.id)
        .where(subtree_filter(Center.path, path)).order_by(Grid.code).limit(limit)
    )
    return [(code, name) for code, name in rows]


def grid_units(session: Session, grid_code: str) -> list[tuple[str, str, int]]:
    """(code, 联户长, households) of the 十联户 units of the grid ``grid_code``."""
    rows = session.execute(
        sa.select(Unit.code, Unit.head, Unit.households).join(Grid, Unit.grid_id == Grid.id)
        .where(Grid.code == grid_code).order_by(Unit.code)
    )
    return [(code, head, households) for code, head, households in rows]
