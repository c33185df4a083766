"""A case's trail as people read it: who, when, what, from which state to which, and why.

Each stored event payload is read through :data:`DETAILS`, one line per field a person cares
about (reason, note, orders, the level that resolved it …), every value translated. Fields
not listed (ids, paths, hashes, session numbers) are never shown: nothing raw reaches a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.desk import case_risk
from dashboard.i18n import label, tr
from dashboard.i18n.dates import local_time
from dispatch.models import CaseEvent


@dataclass(frozen=True)
class Names:
    """Display names the trail needs: people, orders, centers and cameras by their keys."""

    actors: dict[str, str] = field(default_factory=dict)
    orders: dict[int, str] = field(default_factory=dict)  # order id → "主办 · 文山市公安局"
    centers: dict[str, str] = field(default_factory=dict)  # center code → name
    cameras: dict[str, str] = field(default_factory=dict)  # camera id → name


@dataclass(frozen=True)
class EventRow:
    time: str
    actor: str
    action: str
    change: str  # "待受理 → 待派单", or "" when the state stayed
    details: list[tuple[str, str]]  # (caption, text), user text included as typed
    attachments: list[int]  # attachment ids shown with the line
    supervision: bool  # 催办 or 通报


Detail = Callable[[Any, Names, str], tuple[str, str] | None]


def _text(caption: str) -> Detail:
    def read(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
        return (tr(caption, lang), str(value)) if isinstance(value, str) and value.strip() else None

    return read


def _enum(caption: str, group: str) -> Detail:
    def read(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
        return (tr(caption, lang), label(group, value, lang)) if isinstance(value, str) else None

    return read


def _orders(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    if not isinstance(value, list):
        return None
    parts = [f"{label('order_role', o.get('role'), lang)} · {o.get('target', '')}" for o in value if isinstance(o, dict)]
    return (tr("console.orders", lang), tr("case.list_sep", lang).join(parts)) if parts else None


def _order(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    text = names.orders.get(value) if isinstance(value, int) else None
    return (tr("order.target", lang), text) if text else None


def _level(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    return (tr("case.handled_level", lang), label("level", str(value), lang)) if isinstance(value, int) else None


def _center(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    name = names.centers.get(value) if isinstance(value, str) else None
    return (tr("case.escalated_to", lang), name) if name else None


def _camera(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    name = names.cameras.get(value) if isinstance(value, str) else None
    return (tr("field.camera", lang), name) if name else None


def _due(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    try:
        return tr("field.due_at", lang), local_time(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


def _days(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    return (tr("field.days", lang), str(value)) if isinstance(value, int) else None


def _assists(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    """The lead's resolution: each assist's reported part, or that it never reported."""
    if not isinstance(value, list) or not value:
        return None
    parts = []
    for a in value:
        if not isinstance(a, dict):
            continue
        target = names.orders.get(a.get("order_id"), "") if isinstance(a.get("order_id"), int) else ""
        if a.get("reported") and isinstance(a.get("feedback"), str):
            line = tr("trail.assist_reported", lang, target=target, text=a["feedback"])
        else:
            line = tr("trail.assist_unreported", lang, target=target)
        photos = a.get("photos")
        if isinstance(photos, list) and photos:
            line += tr("trail.assist_photos", lang, n=len(photos))
        parts.append(line)
    return (tr("trail.assists", lang).rstrip("：:"), tr("case.list_sep", lang).join(parts)) if parts else None


def _attached(value: Any, names: Names, lang: str) -> tuple[str, str] | None:
    if not isinstance(value, bool):
        return None
    return tr("case.camera_change", lang), tr("consult.attach" if value else "consult.detach", lang)


#: Payload field → how it reads. Fields not listed are not shown.
DETAILS: dict[str, Detail] = {
    "reason": _text("field.reason"),
    "message": _text("case.message"),
    "note": _text("field.note"),
    "result": _text("field.result"),
    "feedback": _text("field.feedback"),
    "returned_reason": _text("order.returned_reason"),
    "assists": _assists,
    "leader": _text("field.leader"),
    "plan": _text("field.plan"),
    "text": _text("consult.note"),
    "conclusion": _text("consult.conclusion"),
    "name": _text("consult.name"),
    "feed_name": _text("consult.feed"),
    "camera_name": _text("field.camera"),
    "into_number": _text("case.merged_into"),
    "risk": _enum("field.risk", "risk"),
    "complexity": _enum("field.complexity", "complexity"),
    "satisfaction": _enum("field.satisfaction", "satisfaction"),
    "channel": _enum("field.channel", "channel"),
    "orders": _orders,
    "order_id": _order,
    "handled_level": _level,
    "to_center": _center,
    "camera": _camera,
    "attached": _attached,
    "due_at": _due,
    "days": _days,
}
DETAILS.update(case_risk.DETAILS)
SUPERVISION = frozenset({"urge", "notify", *case_risk.SUPERVISION})


def event_row(event: CaseEvent, names: Names, lang: str) -> EventRow:
    payload = event.payload or {}
    details = []
    for key, value in payload.items():
        read = DETAILS.get(key)
        line = read(value, names, lang) if read else None
        if line is not None and not (key == "camera_name" and "camera" in payload and payload["camera"] in names.cameras):
            details.append(line)
    attachment = payload.get("attachment")
    photos = [p for p in payload.get("photos", []) if isinstance(p, int)] if isinstance(payload.get("photos"), list) else []
    changed = event.from_state is not None and event.from_state != event.to_state
    return EventRow(
        time=local_time(event.at),
        actor=actor_name(event.actor, names, lang),
        action=label("action", event.action, lang),
        change=f"{label('state', event.from_state, lang)} → {label('state', event.to_state, lang)}" if changed else "",
        details=details,
        attachments=([attachment] if isinstance(attachment, int) else []) + photos,
        supervision=event.action in SUPERVISION,
    )


def actor_name(actor: str, names: Names, lang: str) -> str:
    """An account's display name; the system and API tokens by what they are."""
    if actor in names.actors:
        return names.actors[actor]
    if actor == "system" or actor.startswith("system"):
        return tr("case.actor.system", lang)
    if actor.startswith("token:"):
        return tr("case.actor.token", lang, name=actor.removeprefix("token:"))
    return actor
