"""Centers, alerts and KPI endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dispatch import alerts as alert_svc
from dispatch.api.http import (
    ApiContext,
    JSONResponse,
    query_bool,
    query_page,
    query_scope,
    query_time,
    read_json,
)
from dispatch.api.serialize import alert_doc, center_doc
from dispatch.errors import Hidden, InvalidInput
from dispatch.grids import find_place
from dispatch.kpi import compute_kpis
from dispatch.kpi_grid import place_kpis
from dispatch.principal import Principal
from dispatch.registry import center_by_code, children


def _center(ctx: ApiContext, principal: Principal, code: str) -> dict[str, Any]:
    with ctx.factory() as session:
        found = center_by_code(session, code)
        if not principal.sees(found.path):
            raise Hidden("center", code, found.path)
        return {**center_doc(found), "children": [center_doc(c) for c in children(session, found)]}


async def center(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(
        await run_in_threadpool(_center, ctx, principal, request.path_params["code"])
    )


async def center_children(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    doc = await run_in_threadpool(_center, ctx, principal, request.path_params["code"])
    return JSONResponse({"items": doc["children"]})


def _alerts(ctx: ApiContext, request: Request, principal: Principal) -> dict[str, Any]:
    limit, offset = query_page(request, 100, 500)
    open_only = query_bool(request, "open")
    with ctx.factory() as session:
        scope = query_scope(session, principal, request)
        rows = alert_svc.list_alerts(
            session,
            principal,
            scope,
            open_only=True if open_only is None else open_only,
            unacked_only=bool(query_bool(request, "unacked")),
            kind=request.query_params.get("kind"),
            limit=limit,
            offset=offset,
        )
        return {"scope": scope, "items": [alert_doc(a) for a in rows], "limit": limit, "offset": offset}


async def alerts(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(await run_in_threadpool(_alerts, ctx, request, principal))


def _ack(ctx: ApiContext, principal: Principal, alert_id: int, body: Any) -> dict[str, Any]:
    # The acknowledging person is the authenticated principal, never a name sent along.
    if isinstance(body, dict) and "by" in body:
        raise InvalidInput("by", "not accepted: the acknowledging person is the signed-in caller")
    if not isinstance(body, dict) or set(body) - {"note"}:
        raise InvalidInput("body", 'expects {"note": "text"} or nothing')
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("note", "must be a string")
    with ctx.factory.begin() as session:
        return alert_doc(alert_svc.ack_alert(session, principal, alert_id, note))


async def ack(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    body = await read_json(request) if request.headers.get("content-type") else {}
    return JSONResponse(
        await run_in_threadpool(_ack, ctx, principal, request.path_params["id"], body)
    )


#: ``by`` of ``GET /kpis``: the breakdown of ``children``.
KPI_BREAKDOWNS = ("center", "grid", "unit")


def _kpis(ctx: ApiContext, request: Request, principal: Principal) -> Any:
    end = query_time(request, "to", end=True) or datetime.now(UTC)
    start = query_time(request, "from") or end - timedelta(days=30)
    if start >= end:
        raise InvalidInput("from", "must be before to")
    q = request.query_params
    by = q.get("by") or None
    if by is not None and by not in KPI_BREAKDOWNS:
        raise InvalidInput("by", f"must be one of {', '.join(KPI_BREAKDOWNS)}")
    located = bool(q.get("grid") or q.get("unit"))
    if located and by == "center":
        raise InvalidInput("by", "a grid or unit breaks down by unit or grid, not by center")
    with ctx.factory() as session:
        scope = query_scope(session, principal, request)
        if not located and by in (None, "center"):
            return compute_kpis(session, scope, start, end)
        place = find_place(session, principal, q.get("grid") or None, q.get("unit") or None)
        return place_kpis(session, scope, start, end, place=place, by=by or "unit")  # type: ignore[arg-type]


async def kpis(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(await run_in_threadpool(_kpis, ctx, request, principal))
