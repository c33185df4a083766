"""The wall's JSON: :func:`dispatch.wall.read_wall` worded in the viewer's language, and a
cache so any number of screens on one scope cost one computation per second.

:class:`WallStateCache` keeps each answer about a second and drops every entry when the event
bus reports a change (a case or an alert), so the ribbon moves within a second or two.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dashboard.alerts.text import alert_text
from dashboard.i18n import label
from dashboard.server.services import services
from dispatch.wall import WallData, WallQuery, read_wall


@dataclass(frozen=True)
class WallRequest:
    """What one screen asks for: a wall and the language it reads."""

    query: WallQuery
    lang: str


def render(data: WallData, lang: str) -> dict[str, Any]:
    """``data`` as the wall component reads it (JSON-able)."""
    scope = data.scope
    return {
        "scope": {"code": scope.code, "name": scope.name, "level": scope.level},
        "kpis": data.kpis,
        "tiles": [
            {
                "camera": tile.camera.id,
                "name": tile.camera.name,
                "center_name": tile.camera.center_name,
                "status": tile.status,
                "highlight": tile.highlight,
                **tile.counts,
            }
            for tile in data.tiles
        ],
        "tour": None if data.tour is None else {
            "id": data.tour.group_id,
            "name": data.tour.name,
            "page": data.tour.page + 1,
            "pages": data.tour.pages,
            "interval": data.tour.interval_s,
            "paused": data.tour.paused,
            "ends_at": data.tour.ends_at,
            "cameras": list(data.tour.cameras),
        },
        "alerts": [
            {
                "id": a.id,
                "severity": a.severity,
                "kind": a.kind,
                "kind_label": label("alert", a.kind, lang),
                "center_name": center_name,
                "message": alert_text(a.kind, a.params, a.message, lang),
                "camera": a.camera_id,
                "case": (a.params or {}).get("number") if a.case_id else None,  # the ZZ-number
            }
            for a, center_name in data.alerts
        ],
    }


def wall_state(session: Session, query: WallQuery, lang: str,
               live: dict[str, str] | None = None) -> dict[str, Any]:
    """The wall of ``query`` in ``lang``."""
    return render(read_wall(session, query, live), lang)


def compute_wall_state(request: WallRequest) -> dict[str, Any]:
    """The cache's computation: one session, the hub's live camera status."""
    svc = services()
    live = {h.camera_id: h.status for h in svc.hub.health()} if svc.hub is not None else None
    with svc.session_factory() as session:
        return wall_state(session, request.query, request.lang, live)


class WallStateCache:
    """Answers of ``compute`` kept ``ttl`` seconds per request."""

    def __init__(self, compute: Callable[[Any], dict[str, Any]], ttl: float = 1.0) -> None:
        self._compute = compute
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, dict[str, Any]]] = {}
        self._inflight: dict[Hashable, threading.Lock] = {}
        self.version = 0

    def invalidate(self, *_: Any) -> None:
        """Drop every answer (wired to the event bus: a case or alert changed)."""
        with self._lock:
            self._entries.clear()
            self.version += 1

    def _fresh(self, key: Hashable) -> dict[str, Any] | None:
        hit = self._entries.get(key)
        return hit[1] if hit and time.monotonic() - hit[0] < self._ttl else None

    def get(self, key: Hashable) -> dict[str, Any]:
        with self._lock:
            hit = self._fresh(key)
            if hit is not None:
                return hit
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:  # one computation per key at a time; the others reuse its answer
            with self._lock:
                hit = self._fresh(key)
                if hit is not None:
                    return hit
            value = self._compute(key)
            with self._lock:
                self._entries[key] = (time.monotonic(), value)
                if len(self._entries) > 256:
                    oldest = min(self._entries, key=lambda k: self._entries[k][0])
                    self._entries.pop(oldest, None)
            return value
