"""Participant routes under ``/join/<token>``: the token is the only credential.

::

    GET    /join/{token}                   the join page (HTML, from the page renderer)
    GET    /join/{token}/state             me, the case card, the people and the feeds to view
    POST   /join/{token}/whip              publish camera and microphone (SDP offer → answer)
    POST   /join/{token}/whep/{feed}       view a participant (p-<id>) or a camera (c-<id>);
                                           an empty body asks for the server's offer (the
                                           feed's ``exchange`` is ``server-offer`` in the state)
    PATCH  /join/{token}/resources/{res}   the viewer's answer to a server offer
    DELETE /join/{token}/resources/{res}   end a WHIP or WHEP resource
    POST   /join/{token}/leave[?resource=] leave (the same link rejoins later); with ``resource``
                                           only if that peer still publishes (a reloading page's
                                           goodbye must not end the peer that replaced it)
    POST   /join/{token}/notes             {text}
    POST   /join/{token}/arrival           report being on site (三必到)

A missing, forged or unknown token answers 404 and an expired one (or an ended session) 403,
without a word about the session. Tokens never reach a log: :class:`RedactJoinTokens` is
installed on uvicorn's access log, and the page sets ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dispatch.api.http import (
    ApiError,
    JSONResponse,
    error_response,
    read_body,
    read_json,
)
from dispatch.consultation import services as svc
from dispatch.consultation.context import ConsultContext
from dispatch.consultation.media import ServerOffers
from dispatch.consultation.models import ConsultSession, Participant
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


class Who(NamedTuple):
    """The participant a valid join token stands for."""

    sid: int  # the consultation session
    pid: int  # the participant
    feed: str
    name: str


JoinEndpoint = Callable[[Request, ConsultContext, Who], Awaitable[Response]]


def _who(ctx: ConsultContext, token: str) -> Who:
    """Who holds ``token``; raises ``TokenRefused`` for a missing, expired or ended one."""
    with ctx.factory() as session:
        person = svc.resolve_token(session, token)
        return Who(person.session_id, person.id, person.feed, person.name)


def by_token(ctx: ConsultContext, endpoint: JoinEndpoint) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for ``endpoint(request, ctx, who)``: the token is checked first
    and every refusal answered without a word about the session."""

    async def wrapper(request: Request) -> Response:
        try:
            who = await run_in_threadpool(_who, ctx, request.path_params["token"])
            return await endpoint(request, ctx, who)
        except svc.TokenRefused as exc:
            return refused(exc.status)
        except (ApiError, DispatchError) as exc:
            return error_response(exc)
        except LookupError:
            return JSONResponse({"error": "unknown_feed", "message": "画面不存在 · no such feed"}, 404)
        except ConnectionError:  # the media engine (Janus) did not answer
            log.warning("media engine unavailable for %s", endpoint.__name__)
            return JSONResponse({"error": "media_unavailable",
                                 "message": "媒体服务暂不可用，请稍后重试 · the media server is "
                                            "unavailable, try again shortly"}, 503)
        except ValueError as exc:  # a bad SDP offer (the media side says why)
            return JSONResponse({"error": "bad_sdp", "message": str(exc)}, 400)

    wrapper.__name__ = endpoint.__name__
    return wrapper


async def page(request: Request, ctx: ConsultContext, who: Who) -> Response:
    html = ctx.page() if ctx.page else "<!doctype html><title>会商</title><p>会商</p>"
    return HTMLResponse(html, headers={**NO_STORE, "X-Frame-Options": "SAMEORIGIN",
                                       "Content-Security-Policy": PAGE_POLICY})


def _state(ctx: ConsultContext, token: str) -> dict[str, Any]:
    with ctx.factory() as session:
        return join_doc(session, svc.resolve_token(session, token), ctx.media)


async def state(request: Request, ctx: ConsultContext, who: Who) -> Response:
    doc = await run_in_threadpool(_state, ctx, request.path_params["token"])
    return JSONResponse(doc, headers=NO_STORE)


def _mark(ctx: ConsultContext, pid: int, joined: bool, dropped: bool = False) -> None:
    with ctx.factory.begin() as session:
        person = session.get(Participant, pid)
        assert person is not None
        if joined:
            svc.mark_joined(session, person)
        else:
            svc.mark_left(session, person, dropped=dropped)


def _sdp_answer(request: Request, answer: str, resource: str) -> Response:
    location = f"/join/{request.path_params['token']}/resources/{resource}"
    return Response(answer, 201, {"Location": location, **NO_STORE}, media_type="application/sdp")


async def whip(request: Request, ctx: ConsultContext, who: Who) -> Response:
    offer = (await read_body(request, SDP_LIMIT)).decode("utf-8", "replace")

    async def gone() -> None:
        await run_in_threadpool(_mark, ctx, who.pid, False, True)

    answer, resource = await ctx.media.publish(str(who.sid), who.feed, who.name, offer, on_gone=gone)
    await run_in_threadpool(_mark, ctx, who.pid, True)
    return _sdp_answer(request, answer, resource)


def _may_view(ctx: ConsultContext, sid: int, feed: str) -> None:
    with ctx.factory() as session:
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


async def whep(request: Request, ctx: ConsultContext, who: Who) -> Response:
    wanted = request.path_params["feed"]
    if wanted == who.feed:
        raise InvalidInput("feed", "you hear and see yourself locally")
    await run_in_threadpool(_may_view, ctx, who.sid, wanted)
    offer = (await read_body(request, SDP_LIMIT)).decode("utf-8", "replace")
    if not offer.strip() and isinstance(ctx.media, ServerOffers):
        server_offer, resource = await ctx.media.view_offer(str(who.sid), wanted)
        return _sdp_answer(request, server_offer, resource)  # the page PATCHes its answer
    answer, resource = await ctx.media.view(str(who.sid), wanted, offer)
    return _sdp_answer(request, answer, resource)


async def answer(request: Request, ctx: ConsultContext, who: Who) -> Response:
    """The viewer's answer to the server's offer (``PATCH`` of the WHEP resource)."""
    if not isinstance(ctx.media, ServerOffers):
        return JSONResponse({"error": "unknown_resource", "message": "no such resource"}, 404)
    sdp = (await read_body(request, SDP_LIMIT)).decode("utf-8", "replace")
    await ctx.media.view_answer(str(who.sid), request.path_params["resource"], sdp)
    return Response(status_code=204, headers=NO_STORE)


async def delete(request: Request, ctx: ConsultContext, who: Who) -> Response:
    ended = await ctx.media.end(str(who.sid), request.path_params["resource"])
    if ended is None:
        return JSONResponse({"error": "unknown_resource", "message": "no such resource"}, 404)
    if ended == who.feed:
        await run_in_threadpool(_mark, ctx, who.pid, False)
    return Response(status_code=200, headers=NO_STORE)


async def leave(request: Request, ctx: ConsultContext, who: Who) -> Response:
    resource = request.query_params.get("resource")
    if resource is not None and ctx.media.publishing(str(who.sid)).get(who.feed) != resource:
        return JSONResponse({"left": False}, headers=NO_STORE)  # already replaced by a rejoin
    await ctx.media.leave(str(who.sid), who.feed)
    await run_in_threadpool(_mark, ctx, who.pid, False)
    return JSONResponse({"left": True}, headers=NO_STORE)


def _note(ctx: ConsultContext, token: str, text: str) -> None:
    with ctx.factory.begin() as session:
        person = svc.resolve_token(session, token)
        svc.add_note(session, f"guest:{person.id}" if not person.actor else person.actor,
                     person.session, f"{person.name}: {text}")


async def note(request: Request, ctx: ConsultContext, who: Who) -> Response:
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 4000:
        raise InvalidInput("text", "required, 1 to 4000 characters")
    await run_in_threadpool(_note, ctx, request.path_params["token"], text)
    return JSONResponse({"noted": True}, 201, NO_STORE)


def _arrive(ctx: ConsultContext, token: str) -> int:
    with ctx.factory.begin() as session:
        person = svc.resolve_token(session, token)
        return svc.record_arrival(session, person.actor or f"guest:{person.id}", person)


async def arrival(request: Request, ctx: ConsultContext, who: Who) -> Response:
    seconds = await run_in_threadpool(_arrive, ctx, request.path_params["token"])
    return JSONResponse({"seconds_after_start": seconds}, 201, NO_STORE)


def join_routes(ctx: ConsultContext) -> list[Route]:
    base = "/join/{token}"
    return [
        Route(base, by_token(ctx, page), methods=["GET"]),
        Route(base + "/state", by_token(ctx, state), methods=["GET"]),
        Route(base + "/whip", by_token(ctx, whip), methods=["POST"]),
        Route(base + "/whep/{feed}", by_token(ctx, whep), methods=["POST"]),
        Route(base + "/resources/{resource}", by_token(ctx, delete), methods=["DELETE"]),
        Route(base + "/resources/{resource}", by_token(ctx, answer), methods=["PATCH"]),
        Route(base + "/leave", by_token(ctx, leave), methods=["POST"]),
        Route(base + "/notes", by_token(ctx, note), methods=["POST"]),
        Route(base + "/arrival", by_token(ctx, arrival), methods=["POST"]),
    ]
