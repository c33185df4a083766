"""The dispatch console's reading and writing, apart from drawing: queues, a case, actions.

Every read goes through the dispatch services (``list_cases``, ``get_case``, ``timeline``) with
the viewer's principal, so the console sees exactly what the API would show that person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dashboard.forms import Choices
from dashboard.i18n import label, tr
from dashboard.i18n_table import TABLE
from dispatch.cases import get_case, list_cases, orders_of, perform, report_case, timeline
from dispatch.errors import DispatchError
from dispatch.intake import parse_intake
from dispatch.models import Camera, Case, Center, Department
from dispatch.orders import holds
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.sla import TZ, Sla
from dispatch.types import CaseState, OrderState
from dispatch.workflow import allowed_actions


@dataclass(frozen=True)
class Queue:
    key: str
    states: tuple[str, ...] | None = None
    overdue: bool | None = None
    returned: bool = False


#: The console's queues: what needs this scope's action, in the order work flows.
QUEUES: tuple[Queue, ...] = (
    Queue("to_accept", (CaseState.REPORTED.value,)),
    Queue("to_dispatch", (CaseState.ACCEPTED.value,)),
    Queue("returned", (CaseState.ACCEPTED.value,), returned=True),
    Queue("overdue", overdue=True),
    Queue("to_verify", (CaseState.RESOLVED.value, CaseState.VERIFIED.value, CaseState.VISITED.value)),
    Queue("all_open", tuple(s.value for s in CaseState if s not in (
        CaseState.CLOSED, CaseState.REFUSED, CaseState.MERGED))),
)
BY_KEY = {q.key: q for q in QUEUES}


def local(ts: datetime | None) -> str:
    return ts.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if ts else "—"


def queue_rows(
    session: Session, viewer: Principal, path: str, queue: Queue, lang: str,
    q: str | None = None, limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    page = list_cases(session, viewer, path, states=list(queue.states) if queue.states else None,
                      overdue=queue.overdue, q=q or None, limit=limit if not queue.returned else 1000)
    items = [c for c in page.items if c.return_count > 0] if queue.returned else page.items
    total = len(items) if queue.returned else page.total
    now = datetime.now(UTC)
    names = _center_names(session, {c.center_id for c in items})
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
            "reported": local(c.reported_at),
            "due": local(c.due_at) + (" ⚠" if c.due_at and c.due_at < now and c.closed_at is None else ""),
        }
        for c in items[:limit]
    ]
    return rows, total


def queue_counts(session: Session, viewer: Principal, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for queue in QUEUES:
        if queue.returned:
            where = [subtree_filter(Case.owning_path, path), Case.state.in_(queue.states or ()),
                     Case.return_count > 0]
            out[queue.key] = int(session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0)
        else:
            out[queue.key] = list_cases(session, viewer, path, states=list(queue.states) if queue.states else None,
                                        overdue=queue.overdue, limit=1).total
    return out


def _center_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(sa.select(Center.id, Center.name).where(Center.id.in_(ids))).all())


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
    dept_names = dict(session.execute(sa.select(Department.id, Department.name)).all()) if orders else {}
    center_names = _center_names(session, {o.center_id for o in orders if o.center_id})
    order_rows = [
        {
            "id": o.id,
            "role": label("order_role", o.role, lang),
            "target": dept_names.get(o.department_id) if o.department_id else center_names.get(o.center_id or 0, ""),
            "state": label("order_state", o.state, lang),
            "dispatched": local(o.dispatched_at),
            "returned_reason": o.returned_reason or "",
        }
        for o in orders
    ]
    mine = [
        (o.id, f"#{o.id} {r['role']} · {r['target']} · {r['state']}")
        for o, r in zip(orders, order_rows, strict=True)
        if o.state in (OrderState.PENDING.value, OrderState.SIGNED.value) and holds(session, viewer, o)
    ]
    events = [
        {
            "time": local(e.at),
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
        actions=allowed_actions(case.state, viewer),
        events=events,
        orders=order_rows,
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


def dispatch_targets(session: Session, case: Case) -> list[tuple[dict[str, str], str]]:
    """Departments at or under the owning center, then its child centers (the API's rule)."""
    depts = session.execute(
        sa.select(Department.code, Department.name, Center.name)
        .join(Center, Department.center_id == Center.id)
        .where(subtree_filter(Center.path, case.owning_path))
        .order_by(Center.level, Department.code)
        .limit(200)
    ).all()
    kids = session.execute(
        sa.select(Center.code, Center.name).where(Center.parent_id == case.center_id).order_by(Center.code)
    ).all()
    return [({"department": code}, f"{name}（{cname}）") for code, name, cname in depts] + [
        ({"center": code}, name) for code, name in kids
    ]


def case_cameras(session: Session, case: Case, limit: int = 4) -> list[str]:
    """The case's own camera, then cameras of its grid and of its center (village)."""
    found: list[str] = [case.camera_id] if case.camera_id else []
    conditions = [Camera.center_id == case.center_id, Camera.center_id == case.reported_center_id]
    if case.grid_id is not None:
        conditions.append(Camera.grid_id == case.grid_id)
    for (cid,) in session.execute(
        sa.select(Camera.id).where(Camera.enabled.is_(True), sa.or_(*conditions)).order_by(Camera.id)
    ):
        if cid not in found:
            found.append(cid)
    return found[:limit]


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


__all__ = ["QUEUES", "BY_KEY", "CaseView", "DispatchError", "act", "intake", "load_case",
           "queue_counts", "queue_rows"]
