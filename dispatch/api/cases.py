"""Case endpoints: report (JSON or multipart with photos), list, read with timeline, act."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from dispatch import cases as svc
from dispatch.api import uploads
from dispatch.api.http import (
    ApiContext,
    ApiError,
    JSONResponse,
    parse_json,
    query_bool,
    query_page,
    query_place,
    query_scope,
    query_time,
    read_body,
    read_json,
)
from dispatch.api.serialize import attachment_doc, case_doc, event_doc, order_doc, place_codes
from dispatch.errors import InvalidInput, NotFound
from dispatch.intake import CaseIntake, parse_intake
from dispatch.models import Attachment, Case
from dispatch.principal import Principal
from dispatch.types import CaseState
from dispatch.workflow import allowed_actions


def full_case(session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    doc = case_doc(case, places=place_codes(session, [case]).get(case.id))
    doc["timeline"] = [event_doc(e) for e in svc.timeline(session, case.id)]
    doc["orders"] = [order_doc(o) for o in svc.orders_of(session, case.id)]
    doc["attachments"] = [
        attachment_doc(a)
        for a in session.scalars(
            sa.select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        )
    ]
    doc["allowed_actions"] = allowed_actions(session, principal, case)
    return doc


def _create(
    ctx: ApiContext, principal: Principal, intake: CaseIntake, photos: list[uploads.Photo]
) -> tuple[dict[str, Any], bool]:
    now = datetime.now(UTC)
    for attempt in range(2):
        try:
            with ctx.factory.begin() as session:
                case, created = svc.report_case(
                    session, principal, intake, sla=ctx.sla, now=now, policy=ctx.intake
                )
                if created:
                    for photo in photos:
                        session.add(
                            Attachment(
                                case_id=case.id,
                                filename=photo.filename,
                                content_type=photo.content_type,
                                size=len(photo.data),
                                sha256=photo.sha256,
                                stored_path=uploads.store(ctx.data_dir, photo),
                                created_at=now,
                                created_by=principal.actor,
                            )
                        )
                    session.flush()
                return full_case(session, principal, case), created
        except sa.exc.IntegrityError:
            # Two deliveries of the same external id raced; the retry finds the winner's case.
            if attempt or intake.idempotency_key() is None:
                raise
    raise AssertionError("unreachable")


async def create(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    photos: list[uploads.Photo] = []
    if content_type == "multipart/form-data":
        intake, photos = await _multipart(request)
    else:
        intake = parse_intake(await read_json(request))
    doc, created = await run_in_threadpool(_create, ctx, principal, intake, photos)
    return JSONResponse(doc, 201 if created else 200, headers={"Location": f"cases/{doc['id']}"})


def _list(ctx: ApiContext, request: Request, principal: Principal) -> dict[str, Any]:
    q = request.query_params
    states = [s for s in q.get("state", "").split(",") if s]
    for s in states:
        if s not in CaseState.__members__.values():
            raise InvalidInput("state", f"unknown state {s}")
    limit, offset = query_page(request, 50, 200)
    with ctx.factory() as session:
        scope = query_scope(session, principal, request)
        grid, unit = query_place(session, principal, request)
        page = svc.list_cases(
            session,
            principal,
            scope,
            states=states or None,
            risk=q.get("risk"),
            kind=q.get("kind"),
            channel=q.get("channel"),
            overdue=query_bool(request, "overdue"),
            reported_from=query_time(request, "from"),
            reported_to=query_time(request, "to", end=True),
            q=q.get("q"),
            grid_id=grid,
            unit_id=unit,
            limit=limit,
            offset=offset,
        )
        places = place_codes(session, page.items)
        items = [case_doc(c, places=places.get(c.id)) for c in page.items]
        return {"scope": scope, "total": page.total, "limit": limit, "offset": offset, "items": items}


async def list_(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(await run_in_threadpool(_list, ctx, request, principal))


def _get(ctx: ApiContext, principal: Principal, case_id: int) -> dict[str, Any]:
    with ctx.factory() as session:
        return full_case(session, principal, svc.get_case(session, principal, case_id))


async def get(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    return JSONResponse(await run_in_threadpool(_get, ctx, principal, request.path_params["id"]))


def _act(ctx: ApiContext, principal: Principal, case_id: int, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be an object")
    action, payload, version = (
        body.get("action"),
        body.get("payload", {}),
        body.get("expected_version"),
    )
    unknown = set(body) - {"action", "payload", "expected_version"}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "unknown field")
    if not isinstance(action, str):
        raise InvalidInput("action", "required, a string")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput("expected_version", "required, the version you last read (integer)")
    if not isinstance(payload, dict):
        raise InvalidInput("payload", "must be an object")
    with ctx.factory.begin() as session:
        case = svc.perform(
            session, principal, case_id, action, payload, sla=ctx.sla, expected_version=version
        )
        return full_case(session, principal, case)


async def act(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    body = await read_json(request)
    doc = await run_in_threadpool(_act, ctx, principal, request.path_params["id"], body)
    return JSONResponse(doc)


def _attachment(ctx: ApiContext, principal: Principal, case_id: int, att_id: int) -> Attachment:
    with ctx.factory() as session:
        svc.get_case(session, principal, case_id)
        att = session.get(Attachment, att_id)
        if att is None or att.case_id != case_id:
            raise NotFound("attachment", att_id)
        return att


async def attachment(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    case_id, att_id = request.path_params["id"], request.path_params["att"]
    att = await run_in_threadpool(_attachment, ctx, principal, case_id, att_id)
    if not (ctx.data_dir / att.stored_path).is_file():
        raise NotFound("attachment file", att.id)
    return FileResponse(
        ctx.data_dir / att.stored_path,
        media_type=att.content_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def _multipart(request: Request) -> tuple[CaseIntake, list[uploads.Photo]]:
    """``case`` (the JSON report) and up to MAX_PHOTOS ``photos`` parts."""
    body = await read_body(request, uploads.MAX_MULTIPART_BYTES)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    buffered = Request(request.scope, replay)
    try:
        form = await buffered.form(
            max_files=uploads.MAX_PHOTOS, max_fields=20, max_part_size=256 * 1024
        )
    except Exception as exc:  # the multipart parser raises its own types on bad input
        status = getattr(exc, "status_code", 400)
        raise ApiError(
            413 if status == 413 else 422,
            "bad_multipart",
            str(getattr(exc, "detail", exc)),
            field="photos",
        ) from None
    try:
        raw = form.get("case")
        if not isinstance(raw, str):
            raise InvalidInput("case", "multipart needs a 'case' part holding the report as JSON")
        intake = parse_intake(parse_json(raw))
        photos = []
        for i, item in enumerate(form.getlist("photos")):
            if not isinstance(item, UploadFile):
                raise InvalidInput(f"photos[{i}]", "must be a file")
            data = await item.read()
            photos.append(
                uploads.check_photo(i, item.filename or "", item.content_type or "", data)
            )
    finally:
        await form.close()  # spooled temporary files
    return intake, photos
