"""Operator routes under ``/api/consultations`` (the caller is ``scope["principal"]``).

::

    POST   /api/consultations                       {case_id | alert_id, invite_chain?, attach?}
    GET    /api/consultations?case_id=N              sessions of a case
    GET    /api/consultations                        running sessions in the caller's scope
    GET    /api/consultations/{id}                   the session: case card, people, cameras …
    POST   /api/consultations/{id}/cameras           {camera_id}
    DELETE /api/consultations/{id}/cameras/{camera}
    POST   /api/consultations/{id}/invitations       {name, role, ttl_minutes?} or {chain: true}
    GET    /api/consultations/{id}/participants/{p}/link   a participant's link, again
    POST   /api/consultations/{id}/notes             {text}
    POST   /api/consultations/{id}/arrivals          {participant_id}
    POST   /api/consultations/{id}/evidence          {feed}
    POST   /api/consultations/{id}/actions           {action, payload}
    POST   /api/consultations/{id}/end               {conclusion?}

Join links (``/join/<token>``) last the whole session unless given ``ttl_minutes``; the
database keeps digests and nonces only, and the organiser may ask for a link again. The
endpoints that record what happens in a session live in :mod:`dispatch.consultation.api_record`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dispatch.api.body import body_int, body_object, body_str
from dispatch.api.http import JSONResponse, guarded, read_json
from dispatch.cases import get_case
from dispatch.consultation import api_record
from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee
from dispatch.consultation.context import ConsultContext
from dispatch.consultation.links import link
from dispatch.consultation.models import ConsultSession
from dispatch.errors import InvalidInput
from dispatch.principal import Principal

ROLES = ("operator", "village_center", "township_center", "county_center", "department",
         "lower_center", "leader", "grid_worker", "guest")


def _invitation(i: svc.Invitation) -> dict[str, Any]:
    p = i.participant
    return {"participant": p.id, "name": p.name, "role": p.role, "link": link(i.token),
            "expires_at": p.token_expires_at}


def _start(ctx: ConsultContext, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    case_id, alert_id = body_int(body, "case_id", False), body_int(body, "alert_id", False)
    attach = body_int(body, "attach", False)
    with ctx.factory.begin() as session:
        consult = svc.start_session(session, principal, case_id=case_id, alert_id=alert_id)
        own = svc.own_invitation(session, principal, consult.id, key=ctx.key)
        invitations = (svc.invite_chain(session, principal, consult.id, key=ctx.key)
                       if body.get("invite_chain") else [])
        for proposal in svc.proposals(session, principal, consult.id)[: attach or 0]:
            svc.attach_camera(session, principal, consult.id, proposal.camera_id)
        return {"id": consult.id, "join": link(own.token), "participant": own.participant.id,
                "invitations": [_invitation(i) for i in invitations]}


async def start(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    return JSONResponse(await run_in_threadpool(_start, ctx, principal, body), 201)


def _list(ctx: ConsultContext, principal: Principal, case_id: int) -> dict[str, Any]:
    with ctx.factory() as session:
        get_case(session, principal, case_id)
        rows = session.scalars(sa.select(ConsultSession).where(ConsultSession.case_id == case_id)
                               .order_by(ConsultSession.id))
        return {"items": [{"id": c.id, "title": c.title, "started_at": c.started_at,
                           "ended_at": c.ended_at} for c in rows]}


def _running(ctx: ConsultContext, principal: Principal) -> dict[str, Any]:
    with ctx.factory() as session:
        return {"items": [{"id": r.id, "case_number": r.case_number, "case_title": r.case_title,
                           "started_at": r.started_at, "connected": r.connected,
                           "participants": [{"name": n, "role": role, "state": state}
                                            for n, role, state in r.people]}
                          for r in svc.running_sessions(session, principal)]}


async def list_(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    raw = request.query_params.get("case_id")
    if raw is None:
        return JSONResponse(await run_in_threadpool(_running, ctx, principal))
    if not raw.isdigit():
        raise InvalidInput("case_id", "an integer")
    return JSONResponse(await run_in_threadpool(_list, ctx, principal, int(raw)))


async def get(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    doc = await run_in_threadpool(api_record.document, ctx, principal, request.path_params["id"])
    return JSONResponse(doc)


def _camera(ctx: ConsultContext, change: Any, principal: Principal, cid: int, camera: str) -> None:
    with ctx.factory.begin() as session:
        change(session, principal, cid, camera)


async def attach(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    cid = request.path_params["id"]
    camera = body_str(body, "camera_id", 64)
    await run_in_threadpool(_camera, ctx, svc.attach_camera, principal, cid, camera)
    return JSONResponse(await run_in_threadpool(api_record.document, ctx, principal, cid))


async def detach(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    cid, camera = request.path_params["id"], request.path_params["camera"]
    await run_in_threadpool(_camera, ctx, svc.detach_camera, principal, cid, camera)
    return JSONResponse(await run_in_threadpool(api_record.document, ctx, principal, cid))


def _invite(ctx: ConsultContext, principal: Principal, consult_id: int,
            body: dict[str, Any]) -> dict[str, Any]:
    with ctx.factory.begin() as session:
        if body.get("chain"):
            made = svc.invite_chain(session, principal, consult_id, key=ctx.key)
        else:
            role = body_str(body, "role", 24)
            if role not in ROLES:
                raise InvalidInput("role", f"one of {', '.join(ROLES)}")
            minutes = body_int(body, "ttl_minutes", False)
            made = [svc.invite(session, principal, consult_id,
                               Invitee(body_str(body, "name", 100), role), key=ctx.key,
                               ttl=timedelta(minutes=minutes) if minutes else None)]
        return {"invitations": [_invitation(i) for i in made]}


async def invite(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    body = body_object(await read_json(request))
    made = await run_in_threadpool(_invite, ctx, principal, request.path_params["id"], body)
    return JSONResponse(made, 201)


def _resend(ctx: ConsultContext, principal: Principal, consult_id: int, pid: int) -> dict[str, Any]:
    with ctx.factory() as session:
        token = svc.resend_link(session, principal, consult_id, pid, key=ctx.key)
    if token is None:
        raise InvalidInput("participant", "this link was made before links could be sent again")
    return {"participant": pid, "link": link(token)}


async def resend(request: Request, principal: Principal, ctx: ConsultContext) -> Response:
    cid, pid = request.path_params["id"], request.path_params["participant"]
    return JSONResponse(await run_in_threadpool(_resend, ctx, principal, cid, pid),
                        headers={"Cache-Control": "no-store"})


def operator_routes(ctx: ConsultContext) -> list[Route]:
    base = "/api/consultations"
    item = base + "/{id:int}"
    return [
        Route(base, guarded(ctx, start), methods=["POST"]),
        Route(base, guarded(ctx, list_), methods=["GET"]),
        Route(item, guarded(ctx, get), methods=["GET"]),
        Route(item + "/cameras", guarded(ctx, attach), methods=["POST"]),
        Route(item + "/cameras/{camera}", guarded(ctx, detach), methods=["DELETE"]),
        Route(item + "/invitations", guarded(ctx, invite), methods=["POST"]),
        Route(item + "/participants/{participant:int}/link", guarded(ctx, resend), methods=["GET"]),
        Route(item + "/notes", guarded(ctx, api_record.note), methods=["POST"]),
        Route(item + "/arrivals", guarded(ctx, api_record.arrival), methods=["POST"]),
        Route(item + "/evidence", guarded(ctx, api_record.evidence), methods=["POST"]),
        Route(item + "/actions", guarded(ctx, api_record.act), methods=["POST"]),
        Route(item + "/end", guarded(ctx, api_record.end), methods=["POST"]),
    ]
