"""The camera registry as a scope sees it: its cameras with their centers, counts by level,
and the points of the offline map (centers with their open cases, cameras).

Live measurements (fps, last-frame age, grade) belong to the stream hub; callers join them
by camera id. Every read takes the scope's path and sees its subtree only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import Camera, Case, Center
from dispatch.registry import subtree_filter
from dispatch.types import OPEN_STATES

_OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class ScopeCamera:
    """A camera of the scope with the status last recorded and its center."""

    id: str
    name: str
    status: str
    center_name: str
    center_level: int
    center_code: str


@dataclass(frozen=True)
class CenterPoint:
    name: str
    level: int
    lat: float
    lon: float
    open_cases: int


@dataclass(frozen=True)
class CameraPoint:
    id: str
    name: str
    status: str
    lat: float
    lon: float


def scope_cameras(session: Session, path: str) -> list[ScopeCamera]:
    """The scope's cameras, by level, center and id."""
    rows = session.execute(
        sa.select(Camera.id, Camera.name, Camera.status, Center.name, Center.level, Center.code)
        .join(Center, Camera.center_id == Center.id)
        .where(subtree_filter(Center.path, path))
        .order_by(Center.level, Center.code, Camera.id)
    ).all()
    return [ScopeCamera(*row) for row in rows]


def cameras_by_level(
    session: Session, path: str, live: Mapping[str, str]
) -> dict[int, Counter[str]]:
    """Level → status → cameras; ``live`` (camera id → status) overrides the recorded status."""
    rows = session.execute(
        sa.select(Camera.id, Camera.status, Center.level)
        .join(Center, Camera.center_id == Center.id)
        .where(subtree_filter(Center.path, path))
    ).all()
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for cid, status, level in rows:
        out[int(level)][live.get(cid, status)] += 1
    return dict(sorted(out.items()))


def map_points(
    session: Session, path: str, limit: int = 3000
) -> tuple[list[CenterPoint], list[CameraPoint]]:
    """Centers (with their open cases) and cameras of the scope that have coordinates."""
    open_per_center = dict(
        session.execute(
            sa.select(Case.center_id, sa.func.count())
            .where(subtree_filter(Case.owning_path, path), Case.state.in_(_OPEN))
            .group_by(Case.center_id)
        ).all()
    )
    centers = [
        CenterPoint(name, level, lat, lon, int(open_per_center.get(cid, 0)))
        for cid, name, level, lat, lon in session.execute(
            sa.select(Center.id, Center.name, Center.level, Center.lat, Center.lon)
            .where(subtree_filter(Center.path, path), Center.lat.is_not(None),
                   Center.lon.is_not(None))
            .order_by(Center.level)
            .limit(limit)
        )
    ]  # fmt: skip
    cameras = [
        CameraPoint(*row)
        for row in session.execute(
            sa.select(Camera.id, Camera.name, Camera.status, Camera.lat, Camera.lon)
            .join(Center, Camera.center_id == Center.id)
            .where(subtree_filter(Center.path, path), Camera.lat.is_not(None))
        )
    ]
    return centers, cameras
