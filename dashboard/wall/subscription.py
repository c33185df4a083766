"""What a wall screen subscribes to, checked at the edge, and the state it gets for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.i18n import normalize, tr
from dashboard.server.services import services
from dashboard.wall.state import WallRequest, WallStateCache
from dispatch import scopes
from dispatch.principal import Principal
from dispatch.wall import LAYOUTS, WallQuery

MAX_CAMERAS = 16


class SubscriptionError(ValueError):
    pass


@dataclass(frozen=True)
class Subscription:
    """``{"scope": code, "layout": 9, "lang": "zh-CN", "cameras": null}`` from a screen."""

    scope: str
    layout: int
    lang: str
    cameras: tuple[str, ...] | None

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
        return cls(str(raw.get("scope") or ""), int(layout), normalize(raw.get("lang")), cams)


def compute_state(principal: Principal, sub: Subscription, cache: WallStateCache) -> dict[str, Any]:
    """The state for ``sub`` as ``principal`` may see it (runs in a worker thread)."""
    with services().session_factory() as session:
        try:
            center = scopes.resolve(session, principal, sub.scope)
        except scopes.ScopeError as exc:
            return {"error": tr(exc.key, sub.lang, code=exc.code)}
    # The session is closed before waiting on the cache: a computation opens its own, and
    # screens waiting on one key must not hold pooled connections meanwhile.
    return cache.get(WallRequest(WallQuery(center, sub.layout, sub.cameras), sub.lang))
