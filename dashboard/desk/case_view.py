"""A case as the case page draws it: every value already a label in the viewer's language.

:func:`load_case` reads the case by its number through the dispatch services with the
viewer's principal (what the API would show that person), the actions the workflow allows
this viewer now, and everything beside: orders, trail, attachments, cameras.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dashboard.desk import case_risk
from dashboard.desk.case_trail import EventRow, Names, event_row
from dashboard.i18n import label, tr
from dashboard.i18n.dates import local_time
from dashboard.shared.forms import Choices, OrderChoice
from dispatch.casefile import (
    actor_names,
    case_attachments,
    case_by_number,
    case_cameras,
    dispatch_targets,
    held_orders,
    order_targets,
)
from dispatch.cases import orders_of, timeline
from dispatch.desk.phone import mask_phone
from dispatch.models import (
    Attachment,
    Camera,
    Case,
    CaseEscalation,
    Center,
    DispatchOrder,
    Grid,
    Unit,
)
from dispatch.permissions import can_see, reported_by
from dispatch.principal import Principal
from dispatch.scopes import center_names
from dispatch.types import TERMINAL_STATES, OrderRole, OrderState
from dispatch.workflow import allowed_actions

_FINISHED = frozenset(s.value for s in TERMINAL_STATES)


@dataclass(frozen=True)
class OrderRow:
    role: str
    target: str
    state: str
    dispatched: str
    signed: str
    returned: str
    returned_reason: str
    decision: str = "—"  # the dispatching center's decision on the return
    feedback: str = "—"  # an assist's report of its part (协办反馈), or that it never reported


@dataclass(frozen=True)
class Picture:
    id: int
    name: str
    path: Path
    taken: str
    by: str


@dataclass
class CaseView:
    """A case as the case page shows it (plain strings; no session needed to draw)."""

    case: Case
    number: str
    summary: list[tuple[str, str]]  # (caption, value), values from users included as typed
    actions: list[str]
    events: list[EventRow]
    orders: list[OrderRow]
    pictures: list[Picture]
    choices: Choices
    cameras: list[str]
    camera_names: dict[str, str]
    #: The viewer reads this case outside its scope, read-only: "reporter" (its own report,
    #: escalated above its center, say) or "escalated" (its center sent it up); "" within
    #: its scope. A follower gets the trail and orders only: no actions, no cameras, only
    #: the pictures it (or, sent up, its center before then) attached.
    follower: str = ""
    holder: str = ""  # the center that holds the case now, for the follower's notice


def load_case(session: Session, viewer: Principal, number: str, lang: str, data_dir: Path) -> CaseView:
    """Raises NotFound (also for a case outside the viewer's reach, unless the viewer
    follows it: then read-only, ``follower``)."""
    case = case_by_number(session, viewer, number, follower=True)
    follower = "" if can_see(session, viewer, case) else (
        "reporter" if reported_by(session, viewer, case) else "escalated")
    orders = orders_of(session, case.id)
    targets = order_targets(session, orders)
    order_text = {o.id: f"{label('order_role', o.role, lang)} · {targets[o.id]}" for o in orders}
    events = timeline(session, case.id)
    cameras = [] if follower else case_cameras(session, case, viewer)
    camera_ids = set(cameras) | {e.payload.get("camera") for e in events if isinstance(e.payload.get("camera"), str)}
    camera_names = dict(session.execute(sa.select(Camera.id, Camera.name).where(Camera.id.in_(camera_ids))).all())
    codes = {e.payload.get("to_center") for e in events if isinstance(e.payload.get("to_center"), str)}
    centers = dict(session.execute(sa.select(Center.code, Center.name).where(Center.code.in_(codes))).all())
    attachments = case_attachments(session, case)
    if follower:  # what the follower attached, not the evidence of those who hold it now
        attachments = _followed(session, viewer, case, follower, attachments)
    actors = {e.actor for e in events} | {o.dispatched_by for o in orders} | {a.created_by for a in attachments}
    names = Names(actor_names(session, actors), order_text, centers, camera_names)
    held = held_orders(session, viewer, orders)
    return CaseView(
        case=case,
        number=case.number or "",
        summary=_summary(session, case, events, lang),
        actions=allowed_actions(session, viewer, case),
        events=_with_pictures([event_row(e, names, lang) for e in events], events, attachments),
        orders=[
            OrderRow(label("order_role", o.role, lang), targets[o.id], label("order_state", o.state, lang),
                     local_time(o.dispatched_at), local_time(o.signed_at), local_time(o.returned_at),
                     o.returned_reason or "—", _decision(o, lang), _feedback(o, case, lang))
            for o in orders
        ],
        pictures=[
            Picture(a.id, a.filename, data_dir / a.stored_path, local_time(a.created_at),
                    names.actors.get(a.created_by, a.created_by))
            for a in attachments if a.content_type.startswith("image/")
        ],
        choices=Choices(
            targets=dispatch_targets(session, case),
            orders=[OrderChoice(o.id, f"{order_text[o.id]} · {label('order_state', o.state, lang)}", o.state, o.role)
                    for o in held],
            returns=[OrderChoice(o.id, f"{order_text[o.id]} · {label('order_state', o.state, lang)}", o.state, o.role)
                     for o in orders if o.state == OrderState.RETURN_REQUESTED.value],
        ),
        cameras=cameras,
        camera_names=camera_names,
        follower=follower,
        holder=center_names(session, {case.center_id}).get(case.center_id, "") if follower else "",
    )


def _followed(session: Session, viewer: Principal, case: Case, follower: str,
              attachments: list[Attachment]) -> list[Attachment]:
    """The pictures a follower may see: the reporter its own; a center that sent the case up
    those attached while it held the case (up to its last 上报)."""
    if follower == "reporter":
        return [a for a in attachments if a.created_by == viewer.actor]
    sent = session.scalar(
        sa.select(sa.func.max(CaseEscalation.at))
        .join(Center, Center.id == CaseEscalation.from_center_id)
        .where(CaseEscalation.case_id == case.id, Center.path == viewer.center_path)
    )
    return [a for a in attachments if sent is not None and a.created_at <= sent]


def _decision(o: DispatchOrder, lang: str) -> str:
    if o.return_decision == "approved":
        return tr("order.decision.approved", lang, at=local_time(o.return_decided_at))
    if o.return_decision == "rejected":
        return tr("order.decision.rejected", lang, at=local_time(o.return_decided_at),
                  note=o.return_decision_note or "—")
    return "—"


def _feedback(o: DispatchOrder, case: Case, lang: str) -> str:
    if o.role != OrderRole.ASSIST.value:
        return "—"
    if o.feedback_at is not None and o.feedback:
        text = tr("order.feedback_text", lang, at=local_time(o.feedback_at), text=o.feedback)
        late = case.due_at is not None and o.feedback_at > case.due_at
        return text + (tr("order.feedback_late", lang) if late else "")
    if o.state == OrderState.UNREPORTED.value:
        return tr("order.no_feedback", lang)
    return "—"


def _with_pictures(rows: list[EventRow], events: list, attachments: list) -> list[EventRow]:
    """Photos no event names (those registered with the report, or uploaded later) go under
    the last line at or before the moment they were added, so the trail shows every picture
    where it came in."""
    named = {e.payload.get("attachment") for e in events if e.payload}
    named |= {p for e in events if e.payload and isinstance(e.payload.get("photos"), list)
              for p in e.payload["photos"]}
    extra: dict[int, list[int]] = {}
    for a in attachments:
        if a.id in named or not a.content_type.startswith("image/") or not rows:
            continue
        at = [i for i, e in enumerate(events) if e.at <= a.created_at]
        extra.setdefault(at[-1] if at else 0, []).append(a.id)
    return [replace(row, attachments=[*row.attachments, *extra[i]]) if i in extra else row
            for i, row in enumerate(rows)]


def _summary(session: Session, case: Case, events: list, lang: str) -> list[tuple[str, str]]:
    def name_of(model: type, key: int | None) -> str:
        row = session.get(model, key) if key is not None else None
        return row.name if row is not None else "—"

    unit = session.get(Unit, case.unit_id) if case.unit_id else None
    kind = label("kind", case.kind, lang)
    if case.sub_kind:
        kind += f" · {label('sub_kind', case.sub_kind, lang)}"
    due = local_time(case.due_at)
    if case.due_at and case.due_at < datetime.now(UTC) and case.state not in _FINISHED:
        due += f"（{tr('consult.overdue', lang)}）"
    merged = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    rows = [
        ("field.state", label("state", case.state, lang)),
        ("field.kind", kind),
        ("field.channel", label("channel", case.channel, lang)),
        ("field.risk", label("risk", case.risk, lang)),
        ("field.complexity", label("complexity", case.complexity, lang)),
        ("field.center", name_of(Center, case.center_id)),
        ("case.reported_center", name_of(Center, case.reported_center_id)),
        ("field.grid", name_of(Grid, case.grid_id)),
        ("field.unit", tr("case.unit_text", lang, code=unit.code, head=unit.head) if unit else "—"),
        ("field.address", case.address or "—"),
        ("field.reporter", case.reporter or "—"),
        ("field.phone", mask_phone(case.reporter_phone) or "—"),
        ("field.external_id", case.external_id or "—"),
        ("field.reported_at", local_time(case.reported_at)),
        ("case.accepted_at", local_time(case.accepted_at)),
        ("field.due_at", due),
        ("case.resolved_at", local_time(case.resolved_at)),
        ("case.closed_at", local_time(case.closed_at)),
        ("case.handled_level", label("level", str(case.handled_level), lang) if case.handled_level else "—"),
        ("field.leader", case.leader or "—"),
        ("field.plan", case.plan or "—"),
        ("field.satisfaction", label("satisfaction", case.satisfaction, lang)),
        ("case.supervision", _supervision(events, lang)),
        ("case.counts", tr("case.counts_text", lang, returns=case.return_count, reworks=case.rework_count,
                           extensions=case.extension_count, escalations=case.escalation_count)),
        ("case.merged_into", merged.number if merged is not None and merged.number else "—"),
    ]
    return [(tr(key, lang), value) for key, value in rows] + case_risk.summary_rows(case, lang)


def _supervision(events: list, lang: str) -> str:
    urged = [e for e in events if e.action == "urge"]
    notified = [e for e in events if e.action == "notify"]
    if not urged and not notified:
        return "—"
    last = max(urged + notified, key=lambda e: e.seq)
    return tr("case.supervision_text", lang, urged=len(urged), notified=len(notified), last=local_time(last.at))
