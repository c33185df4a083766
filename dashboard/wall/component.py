"""The video wall component: Streamlit passes scope and layout; the browser does the rest.

The component is registered once per process and mounted with a stable key, so Streamlit
keeps its DOM across reruns: changing the scope or layout re-invokes its JavaScript with new
data, which only re-subscribes its WebSocket; tiles already on screen keep playing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.i18n import tr
from dispatch.localtime import TZ

_HERE = Path(__file__).parent
ENDPOINT = "/api/wall/ws"
STREAM_PREFIX = "/streams"
STATUSES = ("online", "degraded", "offline", "tampered", "unknown")
PTZ_LABELS = (
    "title", "turn", "stop", "zoom_in", "zoom_out", "presets", "choose", "none", "goto", "save",
    "preset_name", "keys", "failed",
)
KPIS = (
    "reported_today", "closed_today", "closure_rate", "on_time_rate", "satisfaction",
    "cameras_online", "open_alerts",
)


@cache
def _component() -> Any:
    return st.components.v2.component(
        "zongzhi_wall",
        html='<div class="zz-mount"></div>',
        css=(_HERE / "wall.css").read_text(encoding="utf-8"),
        js=(_HERE / "wall.js").read_text(encoding="utf-8"),
    )


def labels(lang: str) -> dict[str, Any]:
    """Every string the component shows, translated here (the JS holds no text)."""
    return {
        "kpi": {k: tr(f"wall.kpi.{k}", lang) for k in KPIS},
        "status": {s: tr(f"camstatus.{s}", lang) for s in STATUSES},
        "open": tr("wall.overlay.open", lang),
        "overdue": tr("wall.overlay.overdue", lang),
        "high": tr("wall.overlay.high", lang),
        "no_cameras": tr("wall.no_cameras", lang),
        "no_signal": tr("wall.no_signal", lang),
        "alert_feed": tr("wall.alert_feed", lang),
        "connecting": tr("wall.connecting", lang),
        "disconnected": tr("wall.disconnected", lang),
        "close": tr("wall.focus.close", lang),
        "main_stream": tr("wall.focus.main", lang),
        "clock": tr("wall.clock", lang),
        "ptz": {k: tr(f"ptz.{k}", lang) for k in PTZ_LABELS},
        "tour": {
            "name": tr("wall.tour", lang),
            "page": tr("wall.tour.page", lang),  # {page} {pages} {interval} filled by the JS
            "paused": tr("wall.tour.paused", lang),
        },
    }


def video_wall(
    scope_code: str,
    layout: int,
    lang: str,
    *,
    kiosk: bool = False,
    focus: str | None = None,
    cameras: list[str] | None = None,
    tour: int | None = None,
    screen: str | None = None,
    key: str = "wall",
) -> None:
    """Mount the wall (``cameras`` given: a compact set of those tiles, no ribbon); ``tour``:
    a camera group to tour; ``screen``: ``"k/n"``, this screen of a wall of several."""
    _component()(
        key=key,
        data={
            "mode": "tiles" if cameras is not None else "wall",
            "scope": scope_code,
            "layout": layout,
            "lang": lang,
            "kiosk": kiosk,
            "focus": focus,
            "cameras": cameras,
            "tour": tour,
            "screen": screen,
            "tz": TZ.name,
            "labels": labels(lang),
            "endpoint": ENDPOINT,
            "stream_prefix": STREAM_PREFIX,
        },
        width="stretch",
        height="content",
    )
