"""Operator endpoints that record what happens in a session: notes, arrivals (三必到), evidence
pictures, workflow actions taken during the session and its end. Routed by
:func:`dispatch.consultation.api.operator_routes`."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dispatch.api.body import body_int, body_object, body_str
from dispatch.api.http import ApiError, JSONResponse, read_json
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.context import ConsultContext
from dispatch.consultation.evidence import save_evidence
from dispatch.consultation.models import Participant
from dispatch.consultation.views import session_doc
from dispatch.errors import InvalidInput, NotFound
from dispatch.models import Camera
from dispatch.principal import Principal


def document(ctx: ConsultContext, principal: Principal, consult_id: int) -> dict[str, Any]:
    """The session as the operator's page shows it."""
    with ctx.factory() as session:
        consult, case = svc.get_session(session, principal, consult_id)
        return session_doc(session, consult, case, ctx.media)


def _note(ctx: ConsultContext, principal: Principal, consult_id: int, text: str) -> None:
    with ctx.factory.begin() as session:
        consult, _ = svc.get_session(session, principal, consult_id)
        svc.add_note(session, principal.actor, consult, text)


async def note(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    cid = request.path_params["id"]
    await run_in_threadpool(_note, ctx, principal, cid, body_str(body, "text", 4000))
    return JSONResponse(await run_in_threadpool(document, ctx, principal, cid), 201)


def _participant(session: Session, consult_id: int, participant_id: int) -> Participant:
    person = session.get(Participant, participant_id)
    if person is None or person.session_id != consult_id:
        raise NotFound("participant", participant_id)
    return person


def _arrival(ctx: ConsultContext, principal: Principal, consult_id: int, participant_id: int) -> int:
    with ctx.factory.begin() as session:
        svc.get_session(session, principal, consult_id)
        person = _participant(session, consult_id, participant_id)
        return svc.record_arrival(session, principal.actor, person)


async def arrival(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    pid = body_int(body, "participant_id")
    assert pid is not None
    seconds = await run_in_threadpool(_arrival, ctx, principal, request.path_params["id"], pid)
    return JSONResponse({"participant": pid, "seconds_after_start": seconds}, 201)


def _feed_name(ctx: ConsultContext, principal: Principal, consult_id: int, feed: str) -> str:
    with ctx.factory() as session:
        consult, _ = svc.get_session(session, principal, consult_id)
        if feed.startswith("c-") and feed[2:] in svc.attached_cameras(session, consult_id):
            cam = session.get(Camera, feed[2:])
            return cam.name if cam else feed[2:]
        for p in consult.participants:
            if p.feed == feed:
                return p.name
    raise InvalidInput("feed", f"no feed {feed} in this session")


def _save(ctx: ConsultContext, principal: Principal, consult_id: int, feed: str, name: str,
          jpeg: bytes) -> dict[str, Any]:
    with ctx.factory.begin() as session:
        consult, case = svc.get_session(session, principal, consult_id)
        row = save_evidence(session, principal.actor, consult, feed=feed, feed_name=name,
                            jpeg=jpeg, data_dir=ctx.data_dir)
        return {"id": row.id, "attachment_id": row.attachment_id, "feed": feed,
                "url": f"/api/cases/{case.id}/attachments/{row.attachment_id}"}


async def evidence(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    cid, feed = request.path_params["id"], body_str(body, "feed", 80)
    name = await run_in_threadpool(_feed_name, ctx, principal, cid, feed)
    jpeg = await asyncio.to_thread(ctx.media.snapshot, str(cid), feed)
    if jpeg is None:
        raise ApiError(409, "no_picture", "该画面暂无图像 · this feed has no picture yet")
    saved = await run_in_threadpool(_save, ctx, principal, cid, feed, name, jpeg)
    return JSONResponse(saved, 201)


def _act(ctx: ConsultContext, principal: Principal, consult_id: int,
         body: dict[str, Any]) -> dict[str, Any]:
    payload = body.get("payload", {})
    if not isinstance(payload, dict):
        raise InvalidInput("payload", "must be an object")
    with ctx.factory.begin() as session:
        case = record.take_action(session, principal, consult_id, body_str(body, "action", 24),
                                  payload, sla=ctx.sla)
        return {"case": case.id, "state": case.state, "version": case.version}


async def act(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    return JSONResponse(await run_in_threadpool(_act, ctx, principal, request.path_params["id"], body))


def _end(ctx: ConsultContext, principal: Principal, consult_id: int, conclusion: str) -> dict[str, Any]:
    with ctx.factory.begin() as session:
        return record.end_session(session, principal, consult_id, conclusion=conclusion)


async def end(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    conclusion = body.get("conclusion", "")
    if not isinstance(conclusion, str):
        raise InvalidInput("conclusion", "must be a string")
    cid = request.path_params["id"]
    summary = await run_in_threadpool(_end, ctx, principal, cid, conclusion)
    await ctx.media.close_room(str(cid))  # every peer and track of the session freed
    return JSONResponse(summary)
