"""Operator routes under ``/api/consultations`` (the caller is ``scope["principal"]``).

::

    POST   /api/consultations                       {case_id | alert_id, invite_chain?, attach?}
    GET    /api/consultations?case_id=N              sessions of a case
    GET    /api/consultations/{id}                   the session: case card, people, cameras …
    POST   /api/consultations/{id}/cameras           {camera_id}
    DELETE /api/consultations/{id}/cameras/{camera}
    POST   /api/consultations/{id}/invitations       {name, role, ttl_minutes?} or {chain: true}
    POST   /api/consultations/{id}/notes             {text}
    POST   /api/consultations/{id}/arrivals          {participant_id}
    POST   /api/consultations/{id}/evidence          {feed}
    POST   /api/consultations/{id}/actions           {action, payload}
    POST   /api/consultations/{id}/end               {conclusion?}

Join links (``/join/<token>``) are returned once, when made; only digests are stored.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dispatch.api.http import ApiContext, ApiError, JSONResponse, guarded, read_json
from dispatch.cases import get_case
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee
from dispatch.consultation.evidence import save_evidence
from dispatch.consultation.media import Media
from dispatch.consultation.models import ConsultSession, Participant
from dispatch.consultation.views import session_doc
from dispatch.errors import InvalidInput, NotFound
from dispatch.principal import Principal

ROLES = ("operator", "village_center", "township_center", "county_center", "department",
         "lower_center", "leader", "grid_worker", "guest")


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be an object")
    return body


def _int(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, "required, an integer")
    return value


def _str(body: dict[str, Any], name: str, limit: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, "required, a non-empty string")
    if len(value) > limit:
        raise InvalidInput(name, f"at most {limit} characters")
    return value


def link(token: str) -> str:
    return f"/join/{token}"


class OperatorRoutes:
    def __init__(self, ctx: ApiContext, media: Media) -> None:
        self.ctx, self.media = ctx, media

    # helpers run in the thread pool ----------------------------------------------------
    def _doc(self, principal: Principal, consult_id: int) -> dict[str, Any]:
        with self.ctx.factory() as session:
            consult, case = svc.get_session(session, principal, consult_id)
            return session_doc(session, consult, case, self.media)

    def _start(self, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
        case_id, alert_id = _int(body, "case_id", False), _int(body, "alert_id", False)
        attach = _int(body, "attach", False)
        with self.ctx.factory.begin() as session:
            consult = svc.start_session(session, principal, case_id=case_id, alert_id=alert_id)
            own = svc.invite(session, principal, consult.id,
                             Invitee(principal.name or principal.actor, "operator"), actor=principal.actor)
            invitations = (svc.invite_chain(session, principal, consult.id)
                           if body.get("invite_chain") else [])
            for proposal in svc.proposals(session, principal, consult.id)[: attach or 0]:
                svc.attach_camera(session, principal, consult.id, proposal.camera_id)
            return {"id": consult.id, "join": link(own.token), "participant": own.participant.id,
                    "invitations": [self._invitation(i) for i in invitations]}

    @staticmethod
    def _invitation(i: svc.Invitation) -> dict[str, Any]:
        p = i.participant
        return {"participant": p.id, "name": p.name, "role": p.role, "link": link(i.token),
                "expires_at": p.token_expires_at}

    def _invite(self, principal: Principal, consult_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.ctx.factory.begin() as session:
            if body.get("chain"):
                made = svc.invite_chain(session, principal, consult_id)
            else:
                role = _str(body, "role", 24)
                if role not in ROLES:
                    raise InvalidInput("role", f"one of {', '.join(ROLES)}")
                minutes = _int(body, "ttl_minutes", False) or 12 * 60
                made = [svc.invite(session, principal, consult_id,
                                   Invitee(_str(body, "name", 100), role),
                                   ttl=timedelta(minutes=minutes))]
            return {"invitations": [self._invitation(i) for i in made]}

    def _list(self, principal: Principal, case_id: int) -> dict[str, Any]:
        with self.ctx.factory() as session:
            get_case(session, principal, case_id)
            rows = session.scalars(sa.select(ConsultSession).where(ConsultSession.case_id == case_id)
                                   .order_by(ConsultSession.id))
            return {"items": [{"id": c.id, "title": c.title, "started_at": c.started_at,
                               "ended_at": c.ended_at} for c in rows]}

    def _participant(self, session: Any, consult_id: int, participant_id: int) -> Participant:
        person = session.get(Participant, participant_id)
        if person is None or person.session_id != consult_id:
            raise NotFound("participant", participant_id)
        return person

    # endpoints -------------------------------------------------------------------------
    async def start(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        return JSONResponse(await run_in_threadpool(self._start, principal, body), 201)

    async def list(self, request: Request, principal: Principal) -> Response:
        raw = request.query_params.get("case_id", "")
        if not raw.isdigit():
            raise InvalidInput("case_id", "required, an integer")
        return JSONResponse(await run_in_threadpool(self._list, principal, int(raw)))

    async def get(self, request: Request, principal: Principal) -> Response:
        return JSONResponse(await run_in_threadpool(self._doc, principal, request.path_params["id"]))

    async def attach(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        cid = request.path_params["id"]
        await run_in_threadpool(self._tx, svc.attach_camera, principal, cid, _str(body, "camera_id", 64))
        return JSONResponse(await run_in_threadpool(self._doc, principal, cid))

    async def detach(self, request: Request, principal: Principal) -> Response:
        cid = request.path_params["id"]
        await run_in_threadpool(self._tx, svc.detach_camera, principal, cid, request.path_params["camera"])
        return JSONResponse(await run_in_threadpool(self._doc, principal, cid))

    def _tx(self, fn: Any, *args: Any) -> Any:
        with self.ctx.factory.begin() as session:
            return fn(session, *args)

    async def invite(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        made = await run_in_threadpool(self._invite, principal, request.path_params["id"], body)
        return JSONResponse(made, 201)

    def _note(self, principal: Principal, consult_id: int, text: str) -> None:
        with self.ctx.factory.begin() as session:
            consult, _ = svc.get_session(session, principal, consult_id)
            svc.add_note(session, principal.actor, consult, text)

    async def note(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        cid = request.path_params["id"]
        await run_in_threadpool(self._note, principal, cid, _str(body, "text", 4000))
        return JSONResponse(await run_in_threadpool(self._doc, principal, cid), 201)

    def _arrival(self, principal: Principal, consult_id: int, participant_id: int) -> int:
        with self.ctx.factory.begin() as session:
            svc.get_session(session, principal, consult_id)
            person = self._participant(session, consult_id, participant_id)
            return svc.record_arrival(session, principal.actor, person)

    async def arrival(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        pid = _int(body, "participant_id")
        assert pid is not None
        seconds = await run_in_threadpool(self._arrival, principal, request.path_params["id"], pid)
        return JSONResponse({"participant": pid, "seconds_after_start": seconds}, 201)

    def _feed_name(self, principal: Principal, consult_id: int, feed: str) -> str:
        with self.ctx.factory() as session:
            consult, _ = svc.get_session(session, principal, consult_id)
            if feed.startswith("c-") and feed[2:] in svc.attached_cameras(session, consult_id):
                from dispatch.models import Camera

                cam = session.get(Camera, feed[2:])
                return cam.name if cam else feed[2:]
            for p in consult.participants:
                if p.feed == feed:
                    return p.name
        raise InvalidInput("feed", f"no feed {feed} in this session")

    def _save(self, principal: Principal, consult_id: int, feed: str, name: str, jpeg: bytes) -> dict[str, Any]:
        with self.ctx.factory.begin() as session:
            consult, case = svc.get_session(session, principal, consult_id)
            row = save_evidence(session, principal.actor, consult, feed=feed, feed_name=name,
                                jpeg=jpeg, data_dir=self.ctx.data_dir)
            return {"id": row.id, "attachment_id": row.attachment_id, "feed": feed,
                    "url": f"/api/cases/{case.id}/attachments/{row.attachment_id}"}

    async def evidence(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        cid, feed = request.path_params["id"], _str(body, "feed", 80)
        name = await run_in_threadpool(self._feed_name, principal, cid, feed)
        jpeg = await asyncio.to_thread(self.media.snapshot, str(cid), feed)
        if jpeg is None:
            raise ApiError(409, "no_picture", "该画面暂无图像 · this feed has no picture yet")
        return JSONResponse(await run_in_threadpool(self._save, principal, cid, feed, name, jpeg), 201)

    def _act(self, principal: Principal, consult_id: int, body: dict[str, Any]) -> dict[str, Any]:
        payload = body.get("payload", {})
        if not isinstance(payload, dict):
            raise InvalidInput("payload", "must be an object")
        with self.ctx.factory.begin() as session:
            case = record.take_action(session, principal, consult_id, _str(body, "action", 24),
                                      payload, sla=self.ctx.sla)
            return {"case": case.id, "state": case.state, "version": case.version}

    async def act(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        return JSONResponse(await run_in_threadpool(self._act, principal, request.path_params["id"], body))

    def _end(self, principal: Principal, consult_id: int, conclusion: str) -> dict[str, Any]:
        with self.ctx.factory.begin() as session:
            return record.end_session(session, principal, consult_id, conclusion=conclusion)

    async def end(self, request: Request, principal: Principal) -> Response:
        body = _object(await read_json(request))
        conclusion = body.get("conclusion", "")
        if not isinstance(conclusion, str):
            raise InvalidInput("conclusion", "must be a string")
        cid = request.path_params["id"]
        summary = await run_in_threadpool(self._end, principal, cid, conclusion)
        await self.media.close_room(str(cid))  # every peer and track of the session freed
        return JSONResponse(summary)

    def routes(self) -> list[Route]:
        g, base = (lambda fn: guarded(self.ctx, fn)), "/api/consultations"
        item = base + "/{id:int}"
        return [
            Route(base, g(self.start), methods=["POST"]),
            Route(base, g(self.list), methods=["GET"]),
            Route(item, g(self.get), methods=["GET"]),
            Route(item + "/cameras", g(self.attach), methods=["POST"]),
            Route(item + "/cameras/{camera}", g(self.detach), methods=["DELETE"]),
            Route(item + "/invitations", g(self.invite), methods=["POST"]),
            Route(item + "/notes", g(self.note), methods=["POST"]),
            Route(item + "/arrivals", g(self.arrival), methods=["POST"]),
            Route(item + "/evidence", g(self.evidence), methods=["POST"]),
            Route(item + "/actions", g(self.act), methods=["POST"]),
            Route(item + "/end", g(self.end), methods=["POST"]),
        ]
