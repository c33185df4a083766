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
from dispatch.tours import Group, tour_page
from dispatch.types import Severity

LAYOUTS: tuple[int, ...] = (1, 4, 9, 16, 25)
MAX_SCREENS = 16
#: A critical alert about a case (overdue, high risk) pins the case's camera this long at most;
#: an alert about a camera itself (tampered, offline) pins it until acknowledged.
HIGHLIGHT_WINDOW = timedelta(minutes=30)
FEED_SIZE = 6
ZERO_COUNTS = {"open": 0, "overdue": 0, "high_risk": 0}


@dataclass(frozen=True)
class Screen:
    """Screen ``index`` (1-based) of a video wall of ``count`` screens showing one scope."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count <= MAX_SCREENS:
            raise ValueError(f"screen must be k/n with 1 ≤ k ≤ n ≤ {MAX_SCREENS}")

    def share(self, ordered: list[TileCamera], layout: int) -> list[TileCamera]:
        """This screen's part of ``ordered``: the list cut into ``count`` runs as even as
        possible, none longer than ``layout`` (a camera beyond every screen's tiles waits)."""
        per_screen = min(layout, -(-len(ordered) // self.count)) if ordered else layout
        start = (self.index - 1) * per_screen
        return ordered[start:start + per_screen]


@dataclass(frozen=True)
class TourRequest:
    """A tour on the wall: the group and the tick of its clock (``epoch // interval``)."""

    group: Group
    tick: int

    @classmethod
    def at(cls, group: Group, epoch: float) -> TourRequest:
        return cls(group, int(epoch // group.interval_s))


@dataclass(frozen=True)
class WallQuery:
    """One wall: its scope (already checked against the viewer), how many tiles, and, when
    given, exactly which cameras (a compact set of tiles, e.g. a case's), the tour it runs
    and which screen of a multi-screen wall this is."""

    scope: CenterRef
    layout: int = 9
    cameras: tuple[str, ...] | None = None
    tour: TourRequest | None = None
    screen: Screen = Screen()

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
class TourState:
    """What a touring wall shows of its tour: page ``page`` (0-based) of ``pages``; ``paused``
    while a critical alert holds the wall; ``ends_at``: when the next page starts (epoch s)."""

    group_id: int
    name: str
    interval_s: int
    page: int
    pages: int
    paused: bool
    ends_at: float
    cameras: tuple[str, ...] = ()  # the group's cameras in scope, every page


@dataclass(frozen=True)
class WallData:
    scope: CenterRef
    kpis: dict[str, Any]
    tiles: list[Tile]
    alerts: list[tuple[Alert, str]]  # (alert, its center's name), newest first
    tour: TourState | None = None


def cameras_in_scope(session: Session, path: str) -> list[TileCamera]:
    rows = session.execute(
        sa.select(Camera.id, Camera.name, Center.code, Center.name, Center.path, Center.level,
                  Camera.status)
        .join(Center, Camera.center_id == Center.id)
        .where(Camera.enabled.is_(True), subtree_filter(Center.path, path))
        .order_by(Center.level, Center.code, Camera.id)
    ).all()
    return [TileCamera(*row) for row in rows]


def highlighted_cameras(session: Session, path: str, now: datetime) -> list[tuple[str, datetime]]:
    """Cameras to pin, newest first, each with when its alert was raised: those of open,
    unacknowledged critical alerts in scope (a case's alert: its camera, for
    :data:`HIGHLIGHT_WINDOW`; a camera's own alert: until acknowledged)."""
    case_camera = sa.select(Case.camera_id).where(Case.id == Alert.case_id).scalar_subquery()
    rows = session.execute(
        sa.select(Alert.camera_id, case_camera, Alert.raised_at)
        .where(
            subtree_filter(Alert.center_path, path),
            Alert.severity == Severity.CRITICAL.value,
            Alert.acked_at.is_(None),
            Alert.cleared_at.is_(None),
            sa.or_(Alert.camera_id.is_not(None), Alert.raised_at >= now - HIGHLIGHT_WINDOW),
        )
        .order_by(Alert.raised_at.desc())
        .limit(32)
    ).all()
    seen: dict[str, datetime] = {}
    for cam, via_case, raised in rows:
        for cid in (cam, via_case):
            if cid:
                seen.setdefault(cid, raised)
    return list(seen.items())


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
    cams: list[TileCamera], highlighted: list[str], layout: int, explicit: tuple[str, ...] | None,
    screen: Screen = Screen(),
) -> list[TileCamera]:
    """Pinned cameras first, then the scope's by level and code; this screen's share."""
    by_id = {c.id: c for c in cams}
    if explicit is not None:
        return [by_id[c] for c in explicit if c in by_id][:layout]
    first = [by_id[c] for c in highlighted if c in by_id]
    rest = [c for c in cams if c.id not in set(highlighted)]
    return screen.share(first + rest, layout)


def tour_tiles(
    cams: list[TileCamera], hot: list[tuple[str, datetime]], query: WallQuery, tour: TourRequest,
) -> tuple[list[TileCamera], TourState]:
    """The tiles of a touring wall. A pinned camera in scope pauses the tour: it comes first,
    highlighted, and the rest of the wall keeps the page shown when its alert came in."""
    by_id = {c.id: c for c in cams}
    group = tour.group
    members = tuple(c for c in group.cameras if c in by_id)
    per_page = query.layout * query.screen.count
    pinned = [(c, raised) for c, raised in hot if c in by_id]
    at = min(r for _, r in pinned).timestamp() if pinned else tour.tick * group.interval_s
    page = tour_page(members, per_page, group.interval_s, at)
    pinned_ids = [c for c, _ in pinned]
    ordered = [by_id[c] for c in pinned_ids] + [by_id[c] for c in page.cameras if c not in pinned_ids]
    state = TourState(group.id, group.name, group.interval_s, page.index, page.pages, bool(pinned),
                      float((tour.tick + 1) * group.interval_s), members)
    return query.screen.share(ordered[:per_page], query.layout), state


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
    pins = highlighted_cameras(session, path, now)
    hot = [c for c, _ in pins]
    counts = center_counts(session, path, now)
    online = sum(1 for c in cams if live.get(c.id, c.db_status) == "online")
    kpis = ribbon(session, path, now)
    kpis["cameras_online"] = (online / len(cams)) if cams else None
    kpis["open_alerts"] = open_alert_count(session, path)
    tour = None
    if query.tour is not None and query.cameras is None:
        chosen, tour = tour_tiles(cams, pins, query, query.tour)
    else:
        chosen = choose_tiles(cams, hot, query.layout, query.cameras, query.screen)
    tiles = [
        Tile(cam, live.get(cam.id, cam.db_status), cam.id in hot, counts.get(cam.center_code, ZERO_COUNTS))
        for cam in chosen
    ]
    return WallData(query.scope, kpis, tiles, newest_alerts(session, path), tour)


__all__ = ["LAYOUTS", "Screen", "Tile", "TileCamera", "TourRequest", "TourState", "WallData", "WallQuery", "read_wall"]
