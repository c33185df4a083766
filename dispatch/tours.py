"""Wall tours (轮巡): named camera groups of a center, and which page of a group a wall shows.

A :class:`~dispatch.models.CameraGroup` belongs to one center and lists cameras of that
center's subtree in order. A wall touring a group shows it a page at a time (as many cameras
as the wall has tiles) and turns the page every ``interval_s`` seconds. The page is a pure
function of the clock (:func:`tour_page`), so every screen touring the same group turns in
step and a reconnecting screen lands on the same page as the others, with nothing to store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.models import Camera, CameraGroup, CameraGroupMember, Center
from dispatch.principal import Principal, Role
from dispatch.registry import subtree_filter
from dispatch.scopes import CenterRef

MIN_INTERVAL = 2  # seconds; a wall needs a moment to show a page
MAX_INTERVAL = 3600
MAX_MEMBERS = 64
#: Who may create, change and delete the groups of a center they see.
EDITORS = (Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER)


@dataclass(frozen=True)
class Group:
    """A camera group as read: its cameras in tour order."""

    id: int
    center_id: int
    name: str
    interval_s: int
    cameras: tuple[str, ...]
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class TourPage:
    """The page of a tour a wall shows now: ``cameras`` of page ``index`` (0-based) of
    ``pages``; ``ends_at`` is when the next page starts (epoch seconds)."""

    index: int
    pages: int
    cameras: tuple[str, ...]
    ends_at: float


def may_edit(principal: Principal, center: CenterRef) -> bool:
    """Whether ``principal`` may change the groups of ``center`` (the page asks the same)."""
    return principal.sees(center.path) and principal.has(*EDITORS)


def _read(group: CameraGroup) -> Group:
    return Group(group.id, group.center_id, group.name, group.interval_s,
                 tuple(m.camera_id for m in group.members), group.updated_by, group.updated_at)


def list_groups(session: Session, center: CenterRef) -> list[Group]:
    """The groups of ``center`` by name."""
    rows = session.scalars(
        sa.select(CameraGroup).where(CameraGroup.center_id == center.id).order_by(CameraGroup.name)
    ).all()
    return [_read(g) for g in rows]


def get_group(session: Session, principal: Principal, group_id: int) -> Group:
    """The group ``group_id`` if its center lies in the principal's subtree."""
    found = session.execute(
        sa.select(CameraGroup, Center.path).join(Center, Center.id == CameraGroup.center_id)
        .where(CameraGroup.id == group_id)
    ).first()
    if found is None or not principal.sees(found[1]):
        raise NotFound("camera group", group_id)
    return _read(found[0])


def _check(session: Session, center: CenterRef, name: str, cameras: list[str], interval_s: int) -> str:
    name = name.strip()
    if not 0 < len(name) <= 64:
        raise InvalidInput("name", "a name of 1–64 characters is required")
    if not MIN_INTERVAL <= interval_s <= MAX_INTERVAL:
        raise InvalidInput("interval_s", f"seconds between {MIN_INTERVAL} and {MAX_INTERVAL}")
    if not 0 < len(cameras) <= MAX_MEMBERS or len(set(cameras)) != len(cameras):
        raise InvalidInput("cameras", f"1–{MAX_MEMBERS} different cameras are required")
    inside = set(session.scalars(
        sa.select(Camera.id).join(Center, Center.id == Camera.center_id)
        .where(Camera.id.in_(cameras), subtree_filter(Center.path, center.path))
    ))
    outside = [c for c in cameras if c not in inside]
    if outside:
        raise InvalidInput("cameras", f"not cameras of this center: {', '.join(outside)}")
    return name


def save_group(
    session: Session,
    principal: Principal,
    center: CenterRef,
    name: str,
    cameras: list[str],
    interval_s: int,
    group_id: int | None = None,
    now: datetime | None = None,
) -> Group:
    """Create a group of ``center`` (``group_id`` None) or replace one of its groups."""
    if not may_edit(principal, center):
        raise Forbidden(f"may not edit the camera groups of {center.code}")
    name = _check(session, center, name, cameras, interval_s)
    clash = session.scalar(sa.select(CameraGroup.id).where(
        CameraGroup.center_id == center.id, CameraGroup.name == name))
    if clash is not None and clash != group_id:
        raise InvalidInput("name", "a group of this center already has this name")
    if group_id is None:
        group = CameraGroup(center_id=center.id)
        session.add(group)
    else:
        group = session.get(CameraGroup, group_id)
        if group is None or group.center_id != center.id:
            raise NotFound("camera group", group_id)
        group.members.clear()
        session.flush()  # the old rows go before the new ones take their keys
    group.name, group.interval_s = name, interval_s
    group.updated_by = (principal.name or principal.actor)[:64]
    group.updated_at = now or datetime.now(UTC)
    group.members.extend(CameraGroupMember(camera_id=c, position=i) for i, c in enumerate(cameras))
    session.flush()
    return _read(group)


def delete_group(session: Session, principal: Principal, center: CenterRef, group_id: int) -> None:
    if not may_edit(principal, center):
        raise Forbidden(f"may not edit the camera groups of {center.code}")
    group = session.get(CameraGroup, group_id)
    if group is None or group.center_id != center.id:
        raise NotFound("camera group", group_id)
    session.delete(group)
    session.flush()


def tour_page(cameras: tuple[str, ...], per_page: int, interval_s: int, at: float) -> TourPage:
    """The page of a tour over ``cameras`` shown at epoch second ``at``."""
    per_page = max(1, per_page)
    pages = max(1, -(-len(cameras) // per_page))
    tick = int(at // interval_s)
    index = tick % pages
    return TourPage(index, pages, cameras[index * per_page:(index + 1) * per_page],
                    float((tick + 1) * interval_s))
