"""What the video wall shows for a scope, as data: tiles, their centers' counts, the KPI
ribbon and the newest open alerts.

:func:`read_wall` is pure reading (one session, a handful of grouped queries). It takes a
:class:`WallQuery` whose scope the caller resolved against its principal
(:func:`dispatch.scopes.resolve`), and returns a :class:`WallData` of plain values; wording
it for people (labels, alert texts) is the command center's part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.kpi import center_counts, wall_figures
from dispatch.models import Alert, Camera, Case, Center
from dispatch.registry import subtree_filter
from dispatch.scopes import CenterRef
from dispatch.types import Severity

LAYOUTS: tuple[int, ...] = (1, 4, 9, 16)
#: A critical camera alert younger than this puts its camera first on the wall, highlighted.
HIGHLIGHT_WINDOW = timedelta(minutes=30)
FEED_SIZE = 6
ZERO_COUNTS = {"open": 0, "overdue": 0, "high_risk": 0}


@dataclass(frozen=True)
class WallQuery:
    """One wall: its scope (already checked against the viewer), how many tiles, and, when
    given, exactly which cameras (a compact set of tiles, e.g. a case's)."""

    scope: CenterRef
    layout: int = 9
    cameras: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")


@dataclass(frozen=True)
class TileCamera:
    id: str
    name: str
    center_code: str
    center_name: str
    center_path: str
    level: int
    db_status: str


@dataclass(frozen=True)
class Tile:
    camera: TileCamera
    status: str
    highlight: bool
    counts: Mapping[str, int]


@dataclass(frozen=True)
class WallData:
    scope: CenterRef
    kpis: dict[str, Any]
    tiles: list[Tile]
    alerts: list[tuple[Alert, str]]  # (alert, its center's name), newest first


def cameras_in_scope(session: Session, path: str) -> list[TileCamera]:
    rows = session.execute(
        sa.select(Camera.id, Camera.name, Center.code, Center.name, Center.path, Center.level,
                  Camera.status)
        .join(Center, Camera.center_id == Center.id)
        .where(Camera.enabled.is_(True), subtree_filter(Center.path, path))
        .order_by(Center.level, Center.code, Camera.id)
    ).all()
    return [TileCamera(*row) for row in rows]


def highlighted_cameras(session: Session, path: str, now: datetime) -> list[str]:
    """Cameras of open, unacknowledged critical alerts in scope, newest first."""
    case_camera = sa.select(Case.camera_id).where(Case.id == Alert.case_id).scalar_subquery()
    rows = session.execute(
        sa.select(Alert.camera_id, case_camera)
        .where(
            subtree_filter(Alert.center_path, path),
            Alert.severity == Severity.CRITICAL.value,
            Alert.acked_at.is_(None),
            Alert.cleared_at.is_(None),
            Alert.raised_at >= now - HIGHLIGHT_WINDOW,
        )
        .order_by(Alert.raised_at.desc())
        .limit(32)
    ).all()
    seen: dict[str, None] = {}
    for cam, via_case in rows:
        for cid in (cam, via_case):
            if cid:
                seen.setdefault(cid)
    return list(seen)


def _open_alerts(path: str) -> list[sa.ColumnElement[bool]]:
    return [subtree_filter(Alert.center_path, path), Alert.acked_at.is_(None), Alert.cleared_at.is_(None)]


def newest_alerts(session: Session, path: str, limit: int = FEED_SIZE) -> list[tuple[Alert, str]]:
    rows = session.execute(
        sa.select(Alert, Center.name)
        .outerjoin(Center, Center.path == Alert.center_path)
        .where(*_open_alerts(path))
        .order_by(Alert.raised_at.desc())
        .limit(limit)
    ).all()
    return [(alert, name or "") for alert, name in rows]


def open_alert_count(session: Session, path: str) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(Alert).where(*_open_alerts(path))) or 0)


def choose_tiles(
    cams: list[TileCamera], highlighted: list[str], layout: int, explicit: tuple[str, ...] | None
) -> list[TileCamera]:
    by_id = {c.id: c for c in cams}
    if explicit is not None:
        return [by_id[c] for c in explicit if c in by_id][:layout]
    first = [by_id[c] for c in highlighted if c in by_id]
    rest = [c for c in cams if c.id not in set(highlighted)]
    return (first + rest)[:layout]


def ribbon(session: Session, path: str, now: datetime) -> dict[str, Any]:
    """The KPI ribbon: today's volume and this year's rates, the dispatch KPIs' own figures
    (:func:`dispatch.kpi.wall_figures`), so the wall, the analysis page and the API agree."""
    figures = wall_figures(session, path, now)
    return {
        "reported_today": figures["reported_today"],
        "closed_today": figures["closed_today"],
        "closure_rate": figures["closure_rate"],
        "on_time_rate": figures["on_time_rate"],
        "satisfaction": figures["satisfaction_rate"],
    }


def read_wall(
    session: Session, query: WallQuery, live: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> WallData:
    """The wall of ``query``; ``live`` maps camera id → the stream hub's status, which wins
    over the status stored in the registry."""
    now = now or datetime.now(UTC)
    path = query.scope.path
    live = live or {}
    cams = cameras_in_scope(session, path)
    hot = highlighted_cameras(session, path, now)
    counts = center_counts(session, path, now)
    online = sum(1 for c in cams if live.get(c.id, c.db_status) == "online")
    kpis = ribbon(session, path, now)
    kpis["cameras_online"] = (online / len(cams)) if cams else None
    kpis["open_alerts"] = open_alert_count(session, path)
    tiles = [
        Tile(cam, live.get(cam.id, cam.db_status), cam.id in hot, counts.get(cam.center_code, ZERO_COUNTS))
        for cam in choose_tiles(cams, hot, query.layout, query.cameras)
    ]
    return WallData(query.scope, kpis, tiles, newest_alerts(session, path))


__all__ = ["LAYOUTS", "Tile", "TileCamera", "WallData", "WallQuery", "read_wall"]
