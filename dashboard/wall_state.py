"""What the video wall shows for a scope: tiles with overlays, the KPI ribbon, newest alerts.

:func:`wall_state` is pure reading (one session, a handful of grouped queries) and returns
plain JSON-able data. :class:`WallStateCache` keeps each answer about a second, so any number
of wall screens on the same scope cost the database one computation per second, and drops
entries early when the event bus reports a change (the ribbon moves within a second or two).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dashboard.alert_text import alert_text
from dashboard.i18n import label
from dashboard.ribbon import ribbon_figures
from dashboard.scope import CenterRef
from dispatch.kpi import center_counts
from dispatch.models import Alert, Camera, Case, Center
from dispatch.registry import subtree_filter
from dispatch.types import Severity

LAYOUTS: tuple[int, ...] = (1, 4, 9, 16)
#: A critical camera alert younger than this puts its camera first on the wall, highlighted.
HIGHLIGHT_WINDOW = timedelta(minutes=30)
FEED_SIZE = 6

HealthFn = Callable[[], Iterable[Any]]


@dataclass(frozen=True)
class TileCamera:
    id: str
    name: str
    center_code: str
    center_name: str
    center_path: str
    level: int
    db_status: str


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


def newest_alerts(session: Session, path: str, lang: str, limit: int = FEED_SIZE) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(Alert, Center.name)
        .outerjoin(Center, Center.path == Alert.center_path)
        .where(subtree_filter(Alert.center_path, path), Alert.acked_at.is_(None),
               Alert.cleared_at.is_(None))
        .order_by(Alert.raised_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": a.id,
            "severity": a.severity,
            "kind": a.kind,
            "kind_label": label("alert", a.kind, lang),
            "center_name": name or "",
            "message": alert_text(a.kind, a.params, a.message, lang),
            "camera": a.camera_id,
            "case": a.case_id,
        }
        for a, name in rows
    ]


def open_alert_count(session: Session, path: str) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(Alert).where(
                subtree_filter(Alert.center_path, path), Alert.acked_at.is_(None),
                Alert.cleared_at.is_(None),
            )
        )
        or 0
    )


def live_status(health: Iterable[Any]) -> dict[str, str]:
    return {h.camera_id: h.status for h in health}


def choose_tiles(
    cams: list[TileCamera], highlighted: list[str], layout: int, explicit: list[str] | None
) -> list[TileCamera]:
    by_id = {c.id: c for c in cams}
    if explicit is not None:
        return [by_id[c] for c in explicit if c in by_id][:layout]
    first = [by_id[c] for c in highlighted if c in by_id]
    rest = [c for c in cams if c.id not in set(highlighted)]
    return (first + rest)[:layout]


def wall_state(
    session: Session,
    scope: CenterRef,
    layout: int,
    lang: str,
    health: HealthFn | None = None,
    explicit: list[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The wall for ``scope``: ribbon figures, up to ``layout`` tiles, newest alerts."""
    now = now or datetime.now(UTC)
    cams = cameras_in_scope(session, scope.path)
    status = live_status(health()) if health is not None else {}
    hot = highlighted_cameras(session, scope.path, now)
    tiles = choose_tiles(cams, hot, layout, explicit)
    counts = center_counts(session, scope.path, now)
    zero = {"open": 0, "overdue": 0, "high_risk": 0}
    statuses = [status.get(c.id, c.db_status) for c in cams]
    online = sum(1 for s in statuses if s == "online")
    kpis = ribbon_figures(session, scope.path, now)
    kpis["cameras_online"] = (online / len(cams)) if cams else None
    kpis["open_alerts"] = open_alert_count(session, scope.path)
    return {
        "scope": {"code": scope.code, "name": scope.name, "level": scope.level},
        "kpis": kpis,
        "tiles": [
            {
                "camera": t.id,
                "name": t.name,
                "center_name": t.center_name,
                "status": status.get(t.id, t.db_status),
                "highlight": t.id in hot,
                **counts.get(t.center_code, zero),
            }
            for t in tiles
        ],
        "alerts": newest_alerts(session, scope.path, lang),
    }


class WallStateCache:
    """Answers of :func:`wall_state` kept ``ttl`` seconds per (scope, layout, lang, cameras)."""

    def __init__(self, compute: Callable[..., dict[str, Any]], ttl: float = 1.0) -> None:
        self._compute = compute
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
        self._inflight: dict[tuple[Any, ...], threading.Lock] = {}
        self.version = 0

    def invalidate(self, *_: Any) -> None:
        """Drop every answer (wired to the event bus: a case or alert changed)."""
        with self._lock:
            self._entries.clear()
            self.version += 1

    def get(self, key: tuple[Any, ...], *args: Any) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:  # one computation per key at a time; the others reuse its answer
            with self._lock:
                hit = self._entries.get(key)
                if hit and time.monotonic() - hit[0] < self._ttl:
                    return hit[1]
            value = self._compute(*args)
            with self._lock:
                self._entries[key] = (time.monotonic(), value)
                if len(self._entries) > 256:
                    oldest = min(self._entries, key=lambda k: self._entries[k][0])
                    self._entries.pop(oldest, None)
            return value
