"""What a wall screen subscribes to, checked at the edge, and the state it gets for it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dashboard.i18n import normalize, tr
from dashboard.server.services import services
from dashboard.wall.state import WallRequest, WallStateCache
from dispatch import scopes, tours
from dispatch.errors import NotFound
from dispatch.principal import Principal
from dispatch.wall import LAYOUTS, MAX_SCREENS, Screen, TourRequest, WallQuery

MAX_CAMERAS = 16


class SubscriptionError(ValueError):
    pass


@dataclass(frozen=True)
class Subscription:
    """``{"scope": code, "layout": 9, "lang": "zh-CN", "cameras": null, "tour": null,
    "screen": "2/4"}`` from a screen (``tour``: a camera group's id; ``screen``: this screen
    of a wall of several showing one scope)."""

    scope: str
    layout: int
    lang: str
    cameras: tuple[str, ...] | None
    tour: int | None = None
    screen: Screen = Screen()

    @classmethod
    def parse(cls, raw: Any) -> Subscription:
        if not isinstance(raw, dict):
            raise SubscriptionError("subscription must be an object")
        layout = raw.get("layout", 9)
        if layout not in LAYOUTS:
            raise SubscriptionError(f"layout must be one of {LAYOUTS}")
        cams = raw.get("cameras")
        if cams is not None:
            if not isinstance(cams, list) or len(cams) > MAX_CAMERAS or not all(
                isinstance(c, str) and 0 < len(c) <= 64 for c in cams
            ):
                raise SubscriptionError(f"cameras must be a list of at most {MAX_CAMERAS} ids")
            cams = tuple(cams)
        tour = raw.get("tour")
        if tour is not None and (isinstance(tour, bool) or not isinstance(tour, int) or tour < 1):
            raise SubscriptionError("tour must be a camera group's id")
        return cls(str(raw.get("scope") or ""), int(layout), normalize(raw.get("lang")), cams,
                   tour, parse_screen(raw.get("screen")))


def parse_screen(raw: Any) -> Screen:
    """``"k/n"`` (or nothing: the only screen)."""
    if raw in (None, ""):
        return Screen()
    try:
        k, n = (int(part) for part in str(raw).split("/"))
        return Screen(k, n)
    except ValueError:
        raise SubscriptionError(f"screen must be k/n with 1 ≤ k ≤ n ≤ {MAX_SCREENS}") from None


def compute_state(principal: Principal, sub: Subscription, cache: WallStateCache) -> dict[str, Any]:
    """The state for ``sub`` as ``principal`` may see it (runs in a worker thread)."""
    tour = None
    with services().session_factory() as session:
        try:
            center = scopes.resolve(session, principal, sub.scope)
        except scopes.ScopeError as exc:
            return {"error": tr(exc.key, sub.lang, code=exc.code)}
        if sub.tour is not None and sub.cameras is None:
            try:
                tour = TourRequest.at(tours.get_group(session, principal, sub.tour), time.time())
            except NotFound:
                return {"error": tr("wall.tour.missing", sub.lang)}
    # The session is closed before waiting on the cache: a computation opens its own, and
    # screens waiting on one key must not hold pooled connections meanwhile.
    query = WallQuery(center, sub.layout, sub.cameras, tour, sub.screen)
    return cache.get(WallRequest(query, sub.lang))
