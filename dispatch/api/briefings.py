"""Briefing endpoints (日小结 / 研判): list, read, generate on demand, sign.

``GET /api/briefings?scope=&kind=&from=&to=`` lists the briefings the caller may read
(:mod:`dispatch.briefings.store`: its subtree's signed ones, its own center's drafts);
``GET /api/briefings/{id}`` answers one with every figure; ``POST /api/briefings`` generates
(or regenerates) the draft of a center and period; ``POST /api/briefings/{id}/sign`` signs it
with the officer's conclusion.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dispatch.api.http import ApiContext, JSONResponse, query_int, query_scope, read_json
from dispatch.briefings import Kind, last_finished, period_of, store
from dispatch.briefings.model import Status
from dispatch.errors import InvalidInput, NotFound
from dispatch.localtime import TZ
from dispatch.principal import Principal
from dispatch.scopes import ScopeError, resolve

#: The earliest period a briefing may cover (dates before are input errors, not history).
EARLIEST = date(2000, 1, 1)
KINDS = ", ".join(k.value for k in Kind)


def _kind(raw: Any, field: str) -> Kind:
    try:
        return Kind(raw)
    except ValueError:
        raise InvalidInput(field, f"must be one of {KINDS}") from None


def _date(raw: Any, field: str) -> date:
    if not isinstance(raw, str):
        raise InvalidInput(field, "must be an ISO date (YYYY-MM-DD)")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, "must be an ISO date (YYYY-MM-DD)") from None
    if len(raw) != 10:
        raise InvalidInput(field, "must be an ISO date (YYYY-MM-DD)")
    return value


def _list(ctx: ApiContext, request: Request, principal: Principal) -> dict[str, Any]:
    q = request.query_params
    kind = _kind(q["kind"], "kind") if q.get("kind") else None
    start = _date(q["from"], "from") if q.get("from") else None
    end = _date(q["to"], "to") if q.get("to") else None
    if start and end and start > end:
        raise InvalidInput("from", "must not be after to")
    status = None
    if q.get("status"):
        try:
            status = Status(q["status"])
        except ValueError:
            raise InvalidInput("status", "must be draft or signed") from None
    limit = query_int(request, "limit", 100, 1, store.LIST_MAX)
    with ctx.factory() as session:
        scope = query_scope(session, principal, request)
        items = store.list_briefings(
            session, principal, scope, kind=kind, start=start, end=end, status=status, limit=limit
        )
        return {"scope": scope, "items": items, "limit": limit}


async def list_(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(await run_in_threadpool(_list, ctx, request, principal))


def _get(ctx: ApiContext, principal: Principal, briefing_id: int) -> dict[str, Any]:
    with ctx.factory() as session:
        return store.get(session, principal, briefing_id).to_dict()


async def get(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(
        await run_in_threadpool(_get, ctx, principal, request.path_params["id"])
    )


def _check_fields(body: Any, allowed: set[str], example: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("body", f"expects a JSON object such as {example}")
    extra = sorted(set(body) - allowed)
    if extra:
        raise InvalidInput(extra[0], f"unknown field; allowed: {', '.join(sorted(allowed))}")
    return body


def _create(ctx: ApiContext, principal: Principal, body: Any) -> dict[str, Any]:
    body = _check_fields(
        body, {"scope", "kind", "period_start"},
        '{"kind": "daily", "period_start": "2026-11-30", "scope": "532622"}',
    )
    if "kind" not in body:
        raise InvalidInput("kind", f"required: one of {KINDS}")
    kind = _kind(body["kind"], "kind")
    now = datetime.now(UTC)
    if body.get("period_start") is None:
        start = last_finished(kind, now).start
    else:
        start = _date(body["period_start"], "period_start")
        today = now.astimezone(TZ).date()
        if not EARLIEST <= start <= today:
            raise InvalidInput(
                "period_start", f"must lie between {EARLIEST.isoformat()} and today"
            )
        start = period_of(kind, start).start
    scope = body.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope.rsplit("/", 1)[-1].isdigit()):
        raise InvalidInput("scope", "must be a center code")
    with ctx.factory.begin() as session:
        try:
            path = resolve(session, principal, scope).path
        except ScopeError as exc:
            raise NotFound("center", exc.code) from None
        b = store.generate_and_save(
            session, path, kind, start, now=now, generated_by=principal.actor
        )
        return b.to_dict()


async def create(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    body = await read_json(request)
    return JSONResponse(await run_in_threadpool(_create, ctx, principal, body), 201)


def _sign(ctx: ApiContext, principal: Principal, briefing_id: int, body: Any) -> dict[str, Any]:
    body = _check_fields(
        body, {"conclusion", "version"}, '{"conclusion": "…", "version": 3}'
    )
    conclusion = body.get("conclusion")
    if not isinstance(conclusion, str):
        raise InvalidInput("conclusion", "required: the duty officer's conclusion as text")
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise InvalidInput("version", "must be an integer (the version read)")
    with ctx.factory.begin() as session:
        return store.sign(session, principal, briefing_id, conclusion, version=version).to_dict()


async def sign(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    body = await read_json(request)
    return JSONResponse(
        await run_in_threadpool(_sign, ctx, principal, request.path_params["id"], body)
    )

