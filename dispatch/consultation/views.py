"""Sessions as JSON documents: the operator's full view and a participant's narrow one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.api.serialize import case_doc, event_doc, place_codes
from dispatch.consultation.audit import SESSION_ACTIONS
from dispatch.consultation.chain import propose_cameras
from dispatch.consultation.media import Media, exchange
from dispatch.consultation.models import ConsultSession, Evidence, Participant
from dispatch.consultation.services import attached_cameras
from dispatch.localtime import TZ
from dispatch.models import Camera, Case, CaseEvent
from dispatch.workflow import BY_ACTION


def participant_doc(p: Participant, publishing: dict[str, str]) -> dict[str, Any]:
    return {
        "id": p.id, "feed": p.feed, "name": p.name, "role": p.role, "state": p.state,
        "joins": p.joins, "connected_seconds": p.connected_seconds,
        "arrived_at": p.arrived_at, "token_expires_at": p.token_expires_at,
        "publishing": p.feed in publishing, "generation": publishing.get(p.feed),
    }


def camera_docs(session: Session, consult: ConsultSession, media: Media) -> list[dict[str, Any]]:
    out = []
    for camera_id in attached_cameras(session, consult.id):
        cam = session.get(Camera, camera_id)
        out.append({"id": camera_id, "feed": f"c-{camera_id}", "name": cam.name if cam else camera_id,
                    "status": media.camera_status(camera_id) or "unknown"})
    return out


def timeline_events(session: Session, consult: ConsultSession) -> list[CaseEvent]:
    """The case's events since the session started: its session events and workflow actions."""
    rows = session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == consult.case_id, CaseEvent.seq > 0,
               CaseEvent.at >= consult.started_at)
        .order_by(CaseEvent.seq)
    )
    return [e for e in rows
            if e.action in BY_ACTION or (e.action in SESSION_ACTIONS
                                         and e.payload.get("session") == consult.id)]


def timeline(session: Session, consult: ConsultSession) -> list[dict[str, Any]]:
    return [event_doc(e) for e in timeline_events(session, consult)]


def session_doc(session: Session, consult: ConsultSession, case: Case, media: Media,
                *, proposals: bool = True) -> dict[str, Any]:
    publishing = media.publishing(str(consult.id))
    evidence = session.scalars(
        sa.select(Evidence).where(Evidence.session_id == consult.id).order_by(Evidence.id))
    doc: dict[str, Any] = {
        "id": consult.id, "title": consult.title, "open": consult.ended_at is None,
        "started_at": consult.started_at, "started_by": consult.started_by,
        "ended_at": consult.ended_at, "summary": consult.summary,
        "case": case_doc(case, datetime.now(UTC), place_codes(session, [case]).get(case.id)),
        "participants": [participant_doc(p, publishing) for p in consult.participants],
        "cameras": camera_docs(session, consult, media),
        "evidence": [{"id": e.id, "feed": e.feed, "feed_name": e.feed_name, "taken_at": e.taken_at,
                      "taken_by": e.taken_by, "attachment_id": e.attachment_id,
                      "url": f"/api/cases/{case.id}/attachments/{e.attachment_id}"}
                     for e in evidence],
        "timeline": timeline(session, consult),
    }
    if proposals:
        doc["proposed_cameras"] = [p.__dict__ for p in propose_cameras(session, case)]
    return doc


def join_doc(session: Session, person: Participant, media: Media) -> dict[str, Any]:
    """What a participant sees: the session, the case card, the feeds; no other links."""
    consult = person.session
    case = session.get(Case, consult.case_id)
    assert case is not None
    publishing = media.publishing(str(consult.id))
    feeds = [{"feed": p.feed, "kind": "participant", "name": p.name, "role": p.role,
              "state": p.state, "generation": publishing.get(p.feed)}
             for p in consult.participants if p.id != person.id and p.feed in publishing]
    # Who joined but is not publishing right now (a reload, a dropped network, a leave): the
    # page keeps their tile in place a while, so one who comes back is where they were.
    away = [{"feed": p.feed, "name": p.name, "state": p.state} for p in consult.participants
            if p.id != person.id and p.feed not in publishing and p.joins > 0]
    feeds += [{"feed": c["feed"], "kind": "camera", "name": c["name"], "state": c["status"],
               "generation": c["feed"]} for c in camera_docs(session, consult, media)]
    for f in feeds:
        f["exchange"] = exchange(media, str(consult.id), f["feed"])
    return {
        "session": consult.id, "title": consult.title, "open": consult.ended_at is None,
        "me": {"id": person.id, "feed": person.feed, "name": person.name, "role": person.role,
               "state": person.state, "arrived_at": person.arrived_at},
        "case": {"number": case.number, "title": case.title, "state": case.state,
                 "risk": case.risk, "due_at": case.due_at,
                 # The deployment's local time, as every page shows it (never an ISO string).
                 "due_text": case.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if case.due_at else ""},
        "people": [{"name": p.name, "role": p.role, "state": p.state}
                   for p in consult.participants],
        "feeds": feeds,
        "away": away,
    }
