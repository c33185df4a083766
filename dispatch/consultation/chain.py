"""Who a session on a case invites and which cameras it proposes, read off the case's chain.

People: the village and township centers above the case, the departments and lower centers
holding its dispatch orders, the responsible leader (包保) and the grid worker of its grid.
Cameras: those of the case's grid, then its village, then its township, nearest first when the
case (or its grid, or its center) and the camera have coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import Camera, Case, Center, Department, DispatchOrder, Grid, Person
from dispatch.registry import subtree_filter
from dispatch.types import OrderState, PersonKind

#: Scope of a proposed camera, closest first; the order is the proposal order.
SCOPES: tuple[str, ...] = ("grid", "village", "township")
#: Orders that no longer hold the case do not bring their holder in.
_HOLDING = (OrderState.PENDING.value, OrderState.SIGNED.value, OrderState.DONE.value)


@dataclass(frozen=True)
class Invitee:
    name: str
    role: str  # village_center, township_center, department, lower_center, leader, grid_worker
    center_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class CameraProposal:
    camera_id: str
    name: str
    scope: str
    distance_m: float | None


def _centers_above(session: Session, case: Case) -> dict[int, Center]:
    """The case's centers by level: its own and every ancestor (a grid pins the village)."""
    start = session.get(Center, case.center_id)
    if case.grid_id is not None:
        grid = session.get(Grid, case.grid_id)
        if grid is not None:
            start = session.get(Center, grid.center_id)
    out: dict[int, Center] = {}
    node = start
    while node is not None:
        out[node.level] = node
        node = session.get(Center, node.parent_id) if node.parent_id else None
    return out


def invitees(session: Session, case: Case) -> list[Invitee]:
    levels = _centers_above(session, case)
    out: list[Invitee] = []
    if 4 in levels:
        out.append(Invitee(levels[4].name, "village_center", center_id=levels[4].id))
    if 3 in levels:
        out.append(Invitee(levels[3].name, "township_center", center_id=levels[3].id))
    orders = session.scalars(
        sa.select(DispatchOrder)
        .where(DispatchOrder.case_id == case.id, DispatchOrder.state.in_(_HOLDING))
        .order_by(DispatchOrder.id)
    )
    seen: set[tuple[str, int]] = set()
    for order in orders:
        if order.department_id is not None and ("d", order.department_id) not in seen:
            seen.add(("d", order.department_id))
            dept = session.get(Department, order.department_id)
            assert dept is not None
            out.append(Invitee(dept.name, "department", dept.center_id, dept.id))
        elif order.center_id is not None and ("c", order.center_id) not in seen:
            seen.add(("c", order.center_id))
            center = session.get(Center, order.center_id)
            assert center is not None
            if all(i.center_id != center.id for i in out):
                out.append(Invitee(center.name, "lower_center", center_id=center.id))
    if case.leader:
        out.append(Invitee(case.leader, "leader", center_id=case.center_id))
    if case.grid_id is not None:
        worker = session.scalar(
            sa.select(Person)
            .where(Person.grid_id == case.grid_id, Person.kind == PersonKind.GRID_WORKER.value)
            .order_by(Person.id)
        )
        grid = session.get(Grid, case.grid_id)
        name = worker.name if worker is not None else f"{grid.name if grid else ''}网格员"
        out.append(Invitee(name, "grid_worker", center_id=grid.center_id if grid else None))
    return out


def _distance_m(a: tuple[float, float] | None, b: tuple[float | None, float | None]) -> float | None:
    if a is None or b[0] is None or b[1] is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)), 1)


def _origin(session: Session, case: Case) -> tuple[float, float] | None:
    if case.lat is not None and case.lon is not None:
        return case.lat, case.lon
    for thing in (session.get(Grid, case.grid_id) if case.grid_id else None,
                  session.get(Center, case.center_id)):
        if thing is not None and thing.lat is not None and thing.lon is not None:
            return thing.lat, thing.lon
    return None


def propose_cameras(session: Session, case: Case) -> list[CameraProposal]:
    """Enabled cameras of the case's grid, village and township, nearest first in each."""
    levels = _centers_above(session, case)
    origin = _origin(session, case)
    cameras = list(session.scalars(sa.select(Camera).where(Camera.enabled.is_(True))))
    picked: dict[str, CameraProposal] = {}
    filters = {
        "grid": lambda cam: case.grid_id is not None and cam.grid_id == case.grid_id,
        "village": lambda cam: 4 in levels and cam.center_id == levels[4].id,
    }
    township_ids: set[int] = set()
    if 3 in levels:
        township_ids = set(session.scalars(
            sa.select(Center.id).where(subtree_filter(Center.path, levels[3].path))
        ))
    filters["township"] = lambda cam: cam.center_id in township_ids
    for scope in SCOPES:
        ring = [
            CameraProposal(cam.id, cam.name, scope, _distance_m(origin, (cam.lat, cam.lon)))
            for cam in cameras
            if cam.id not in picked and filters[scope](cam)
        ]
        ring.sort(key=lambda p: (p.distance_m is None, p.distance_m or 0.0, p.name))
        picked.update((p.camera_id, p) for p in ring)
    return list(picked.values())
