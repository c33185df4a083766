"""Participant routes under ``/join/<token>``: the token is the only credential.

::

    GET    /join/{token}                   the join page (HTML, from the page renderer)
    GET    /join/{token}/state             me, the case card, the people and the feeds to view
    POST   /join/{token}/whip              publish camera and microphone (SDP offer → answer)
    POST   /join/{token}/whep/{feed}       view a participant (p-<id>) or a camera (c-<id>)
    DELETE /join/{token}/resources/{res}   end a WHIP or WHEP resource
    POST   /join/{token}/leave             leave (the same link rejoins later)
    POST   /join/{token}/notes             {text}
    POST   /join/{token}/arrival           report being on site (三必到)

A missing, forged or unknown token answers 404 and an expired one (or an ended session) 403,
without a word about the session. Tokens never reach a log: :class:`RedactJoinTokens` is
installed on uvicorn's access log, and the page sets ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dispatch.api.http import (
    ApiContext,
    ApiError,
    JSONResponse,
    error_response,
    read_body,
    read_json,
)
from dispatch.consultation import services as svc
from dispatch.consultation.media import Media
from dispatch.consultation.views import join_doc
from dispatch.errors import DispatchError, InvalidInput

log = logging.getLogger("dispatch.consultation")
SDP_LIMIT = 64 * 1024
TOKEN_IN_PATH = re.compile(r"/join/[A-Za-z0-9_\-]{8,}")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
#: The page loads nothing from anywhere: its script and style are inline, media are WebRTC.
PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
               "connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; "
               "frame-ancestors 'self'")


class RedactJoinTokens(logging.Filter):
    """Replace join tokens in log records (uvicorn's access log prints request paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(TOKEN_IN_PATH.sub("/join/***", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str) and "/join/" in record.msg:
            record.msg = TOKEN_IN_PATH.sub("/join/***", record.msg)
        return True


def install_log_redaction(names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactJoinTokens) for f in logger.filters):
            logger.addFilter(RedactJoinTokens())


def refused(status: int) -> Response:
    text = {404: "链接无效 · invalid link", 403: "链接已过期或会商已结束 · link expired or session ended"}
    return JSONResponse({"error": "refused", "message": text.get(status, "refused")}, status, NO_STORE)


class JoinRoutes:
    def __init__(self, ctx: ApiContext, media: Media, page: Callable[[], str] | None) -> None:
        self.ctx, self.media, self.page = ctx, media, page

    def _who(self, token: str) -> tuple[int, int, str, str]:
        """(session id, participant id, feed, name) for a valid token, else TokenRefused."""
        with self.ctx.factory() as session:
            person = svc.resolve_token(session, token)
            return person.session_id, person.id, person.feed, person.name

    async def _guard(self, request: Request) -> tuple[int, int, str, str]:
        return await run_in_threadpool(self._who, request.path_params["token"])

    def _wrap(self, endpoint: Callable[..., Any]) -> Callable[[Request], Any]:
        async def wrapper(request: Request) -> Response:
            try:
                who = await self._guard(request)
                return await endpoint(request, *who)
            except svc.TokenRefused as exc:
                return refused(exc.status)
            except (ApiError, DispatchError) as exc:
                return error_response(exc)
            except LookupError:
                return JSONResponse({"error": "unknown_feed", "message": "画面不存在 · no such feed"}, 404)
            except ValueError as exc:  # a bad SDP offer (the media side says why)
                return JSONResponse({"error": "bad_sdp", "message": str(exc)}, 400)

        wrapper.__name__ = endpoint.__name__
        return wrapper

    # endpoints -------------------------------------------------------------------------
    async def page_(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        html = self.page() if self.page else "<!doctype html><title>会商</title><p>会商</p>"
        return HTMLResponse(html, headers={**NO_STORE, "X-Frame-Options": "SAMEORIGIN",
                                           "Content-Security-Policy": PAGE_POLICY})

    def _state(self, token: str) -> dict[str, Any]:
        with self.ctx.factory() as session:
            return join_doc(session, svc.resolve_token(session, token), self.media)

    async def state(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        doc = await run_in_threadpool(self._state, request.path_params["token"])
        return JSONResponse(doc, headers=NO_STORE)

    def _mark(self, token_pid: int, joined: bool, dropped: bool = False) -> None:
        from dispatch.consultation.models import Participant

        with self.ctx.factory.begin() as session:
            person = session.get(Participant, token_pid)
            assert person is not None
            if joined:
                svc.mark_joined(session, person)
            else:
                svc.mark_left(session, person, dropped=dropped)

    async def whip(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        offer = (await read_body(request, SDP_LIMIT)).decode("utf-8", "replace")

        async def gone() -> None:
            await run_in_threadpool(self._mark, pid, False, True)

        answer, resource = await self.media.publish(str(sid), feed, name, offer, on_gone=gone)
        await run_in_threadpool(self._mark, pid, True)
        location = f"/join/{request.path_params['token']}/resources/{resource}"
        return Response(answer, 201, {"Location": location, **NO_STORE}, media_type="application/sdp")

    def _may_view(self, sid: int, feed: str) -> None:
        from dispatch.consultation.models import ConsultSession, Participant

        with self.ctx.factory() as session:
            if feed.startswith("c-"):
                if feed[2:] not in svc.attached_cameras(session, sid):
                    raise LookupError(feed)
                return
            if not feed.startswith("p-") or not feed[2:].isdigit():
                raise LookupError(feed)
            person = session.get(Participant, int(feed[2:]))
            consult = session.get(ConsultSession, sid)
            if person is None or consult is None or person.session_id != sid:
                raise LookupError(feed)

    async def whep(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        wanted = request.path_params["feed"]
        if wanted == feed:
            raise InvalidInput("feed", "you hear and see yourself locally")
        await run_in_threadpool(self._may_view, sid, wanted)
        offer = (await read_body(request, SDP_LIMIT)).decode("utf-8", "replace")
        answer, resource = await self.media.view(str(sid), wanted, offer)
        location = f"/join/{request.path_params['token']}/resources/{resource}"
        return Response(answer, 201, {"Location": location, **NO_STORE}, media_type="application/sdp")

    async def delete(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        ended = await self.media.end(str(sid), request.path_params["resource"])
        if ended is None:
            return JSONResponse({"error": "unknown_resource", "message": "no such resource"}, 404)
        if ended == feed:
            await run_in_threadpool(self._mark, pid, False)
        return Response(status_code=200, headers=NO_STORE)

    async def leave(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        await self.media.leave(str(sid), feed)
        await run_in_threadpool(self._mark, pid, False)
        return JSONResponse({"left": True}, headers=NO_STORE)

    def _note(self, token: str, text: str) -> None:
        with self.ctx.factory.begin() as session:
            person = svc.resolve_token(session, token)
            svc.add_note(session, f"guest:{person.id}" if not person.actor else person.actor,
                         person.session, f"{person.name}: {text}")

    async def note(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        body = await read_json(request)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > 4000:
            raise InvalidInput("text", "required, 1 to 4000 characters")
        await run_in_threadpool(self._note, request.path_params["token"], text)
        return JSONResponse({"noted": True}, 201, NO_STORE)

    def _arrive(self, token: str) -> int:
        with self.ctx.factory.begin() as session:
            person = svc.resolve_token(session, token)
            return svc.record_arrival(session, person.actor or f"guest:{person.id}", person)

    async def arrival(self, request: Request, sid: int, pid: int, feed: str, name: str) -> Response:
        seconds = await run_in_threadpool(self._arrive, request.path_params["token"])
        return JSONResponse({"seconds_after_start": seconds}, 201, NO_STORE)

    def routes(self) -> list[Route]:
        w, base = self._wrap, "/join/{token}"
        return [
            Route(base, w(self.page_), methods=["GET"]),
            Route(base + "/state", w(self.state), methods=["GET"]),
            Route(base + "/whip", w(self.whip), methods=["POST"]),
            Route(base + "/whep/{feed}", w(self.whep), methods=["POST"]),
            Route(base + "/resources/{resource}", w(self.delete), methods=["DELETE"]),
            Route(base + "/leave", w(self.leave), methods=["POST"]),
            Route(base + "/notes", w(self.note), methods=["POST"]),
            Route(base + "/arrival", w(self.arrival), methods=["POST"]),
        ]
