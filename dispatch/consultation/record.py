"""Actions taken from a session, and its end: the summary written onto the case.

Workflow actions go through :func:`dispatch.cases.perform` (roles, state and audit as from the
console). Ending a session closes every open stint and writes one ``session_end`` event whose
payload is the summary: who took part and for how long, arrivals, cameras, evidence, notes
and the workflow actions decided while it ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.cases import perform
from dispatch.consultation import audit
from dispatch.consultation.lookup import get_session, require_desk, require_open
from dispatch.consultation.models import ConsultSession, Evidence, SessionCamera
from dispatch.consultation.services import CONNECTED, LEFT, _close_stint
from dispatch.errors import InvalidInput
from dispatch.models import Case, CaseEvent
from dispatch.principal import Principal
from dispatch.sla import Sla
from dispatch.workflow import BY_ACTION

#: What a session's action bar offers: dispatch, escalate, supervise (催办 / 通报) and the steps
#: that usually precede them. Any other workflow action belongs on the case page.
SESSION_WORKFLOW: tuple[str, ...] = ("accept", "dispatch", "escalate", "urge", "notify", "assign_leader")


def take_action(
    session: Session, principal: Principal, consult_id: int, action: str,
    payload: Mapping[str, Any] | None, *, sla: Sla, now: datetime | None = None,
) -> Case:
    consult, case = get_session(session, principal, consult_id)
    require_open(consult)
    if action not in SESSION_WORKFLOW:
        raise InvalidInput("action", f"from a session: one of {', '.join(SESSION_WORKFLOW)}")
    return perform(session, principal, case.id, action, payload, sla=sla, now=now)


def _decisions(session: Session, consult: ConsultSession, until: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == consult.case_id, CaseEvent.at >= consult.started_at,
               CaseEvent.at <= until)
        .order_by(CaseEvent.seq)
    )
    out = []
    for e in rows:
        if e.action in BY_ACTION:
            out.append({"action": e.action, "label": BY_ACTION[e.action].label, "actor": e.actor,
                        "at": e.at.isoformat(), "to_state": e.to_state})
        elif e.action == "session_note" and e.payload.get("session") == consult.id:
            out.append({"action": "note", "actor": e.actor, "at": e.at.isoformat(),
                        "text": e.payload.get("text", "")})
    return out


def end_session(session: Session, principal: Principal, consult_id: int, *, conclusion: str = "",
                now: datetime | None = None) -> dict[str, Any]:
    """End the session and write its summary onto the case; returns the summary."""
    require_desk(principal)
    consult, case = get_session(session, principal, consult_id)
    require_open(consult)
    now = now or datetime.now(UTC)
    people = []
    for person in consult.participants:
        if person.state == CONNECTED:
            _close_stint(person, now)
            person.state, person.last_left_at = LEFT, now
        people.append({
            "participant": person.id, "name": person.name, "role": person.role,
            "joined": person.joins > 0, "seconds": person.connected_seconds,
            "arrived_after_seconds": (int((person.arrived_at - consult.started_at).total_seconds())
                                      if person.arrived_at else None),
        })
    cameras = sorted(set(session.scalars(
        sa.select(SessionCamera.camera_id).where(SessionCamera.session_id == consult.id))))
    evidence = session.scalar(
        sa.select(sa.func.count()).select_from(Evidence).where(Evidence.session_id == consult.id))
    summary = {
        "session": consult.id,
        "started_at": consult.started_at.isoformat(),
        "ended_at": now.isoformat(),
        "duration_seconds": int((now - consult.started_at).total_seconds()),
        "participants": people,
        "cameras": cameras,
        "evidence": int(evidence or 0),
        "decisions": _decisions(session, consult, now),
        "conclusion": conclusion.strip()[:4000],
    }
    consult.ended_at, consult.ended_by, consult.summary = now, principal.actor, summary
    audit.record(session, case, principal.actor, "session_end", summary, now)
    return summary
