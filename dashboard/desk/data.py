"""The desk's data as it is drawn: queue rows, a case with its trail and orders, the actions.

Every read goes through the dispatch services (``queue_page``, ``get_case``, ``timeline``)
with the viewer's principal, so the desk sees exactly what the API would show that person.
Here values become labels in the viewer's language; no query lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dashboard.i18n import label, tr
from dashboard.i18n.dates import local_time
from dashboard.i18n.table import TABLE
from dashboard.shared.forms import Choices
from dispatch.casefile import case_cameras, dispatch_targets, held_orders, order_targets
from dispatch.cases import get_case, orders_of, perform, report_case, timeline
from dispatch.errors import DispatchError
from dispatch.intake import parse_intake
from dispatch.models import Case, Center
from dispatch.principal import Principal
from dispatch.queues import BY_KEY, QUEUES, Queue, queue_counts, queue_page
from dispatch.scopes import center_names
from dispatch.sla import Sla
from dispatch.workflow import allowed_actions


def queue_rows(
    session: Session, viewer: Principal, path: str, queue: Queue, lang: str,
    q: str | None = None, limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    page = queue_page(session, viewer, path, queue, q=q or None, limit=limit)
    now = datetime.now(UTC)
    names = center_names(session, {c.center_id for c in page.items})
    rows = [
        {
            "id": c.id,
            "number": c.number or str(c.id),
            "title": c.title,
            "state": label("state", c.state, lang),
            "risk": label("risk", c.risk, lang),
            "kind": label("kind", c.kind, lang),
            "channel": label("channel", c.channel, lang),
            "center": names.get(c.center_id, ""),
            "reported": local_time(c.reported_at),
            "due": local_time(c.due_at) + (" ⚠" if c.due_at and c.due_at < now and c.closed_at is None else ""),
        }
        for c in page.items
    ]
    return rows, page.total


@dataclass
class CaseView:
    """A case as the case page shows it (plain values; no session needed to draw)."""

    case: Case
    center_name: str
    actions: list[str]
    events: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    choices: Choices
    cameras: list[str]


def load_case(session: Session, viewer: Principal, case_id: int, lang: str) -> CaseView:
    case = get_case(session, viewer, case_id)
    center = session.get(Center, case.center_id)
    orders = orders_of(session, case.id)
    targets = order_targets(session, orders)
    order_rows = {
        o.id: {
            "id": o.id,
            "role": label("order_role", o.role, lang),
            "target": targets[o.id],
            "state": label("order_state", o.state, lang),
            "dispatched": local_time(o.dispatched_at),
            "returned_reason": o.returned_reason or "",
        }
        for o in orders
    }
    mine = [
        (o.id, f"#{o.id} {order_rows[o.id]['role']} · {order_rows[o.id]['target']} · {order_rows[o.id]['state']}")
        for o in held_orders(session, viewer, orders)
    ]
    events = [
        {
            "time": local_time(e.at),
            "actor": e.actor,
            "action": label("action", e.action, lang),
            "change": f"{label('state', e.from_state, lang)} → {label('state', e.to_state, lang)}",
            "detail": _payload_text(e.payload, lang),
        }
        for e in timeline(session, case.id)
    ]
    return CaseView(
        case=case,
        center_name=center.name if center else "",
        actions=allowed_actions(session, viewer, case),
        events=events,
        orders=list(order_rows.values()),
        choices=Choices(targets=dispatch_targets(session, case), orders=mine),
        cameras=case_cameras(session, case),
    )


def _payload_text(payload: dict[str, Any] | None, lang: str) -> str:
    """An event's payload for people: field names translated, nested values flattened."""
    if not payload:
        return ""
    parts = []
    for key, value in payload.items():
        if key in ("due_at", "owning_path", "center_id"):
            continue
        name = tr(f"field.{key}", lang) if f"field.{key}" in TABLE else key
        parts.append(f"{name}: {_value_text(value)}")
    return "; ".join(parts)[:300]


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return "、".join(_value_text(v) for v in value.values())
    if isinstance(value, list | tuple):
        return "、".join(_value_text(v) for v in value)
    return str(value)


def act(session: Session, viewer: Principal, case_id: int, action: str,
        payload: dict[str, Any], sla: Sla, version: int | None) -> Case:
    return perform(session, viewer, case_id, action, payload, sla=sla, expected_version=version)


def intake(session: Session, viewer: Principal, fields: dict[str, Any], sla: Sla) -> Case:
    """Register a walk-in or hotline case; raises DispatchError (InvalidInput names the field)."""
    data = {k: v for k, v in fields.items() if v not in (None, "")}
    if data.get("external_id"):
        data.setdefault("source", data["channel"])
    case, _ = report_case(session, viewer, parse_intake(data), sla=sla)
    return case


__all__ = ["BY_KEY", "QUEUES", "CaseView", "DispatchError", "act", "intake", "load_case",
           "queue_counts", "queue_rows"]
