"""``POST /cases/{id}/orders/{order}/feedback``: an assisting order's report (协办反馈) with
its photos in one request.

Multipart: a ``feedback`` part (the text), ``expected_version`` (the case version last read)
and up to MAX_PHOTOS ``photos`` (JPEG, PNG or WebP, sniffed, each within the size limit). JSON
(``{"feedback", "expected_version", "photos"?: [attachment ids]}``) works too. The workflow
action is ``feedback`` (:func:`dispatch.assist.report_part`), so a token needs it granted.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from dispatch.api import uploads
from dispatch.api.cases import full_case
from dispatch.api.http import ApiContext, ApiError, JSONResponse, read_body, read_json
from dispatch.assist import PhotoFile, report_part
from dispatch.errors import InvalidInput
from dispatch.principal import Principal

FIELDS = frozenset({"feedback", "expected_version", "photos"})


def _version(raw: Any) -> int:
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise InvalidInput("expected_version", "required, the version you last read (integer)")


async def _form(request: Request) -> tuple[dict[str, Any], list[PhotoFile]]:
    body = await read_body(request, uploads.MAX_MULTIPART_BYTES)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=uploads.MAX_PHOTOS, max_fields=10, max_part_size=64 * 1024
        )
    except Exception as exc:  # the multipart parser raises its own types on bad input
        status = getattr(exc, "status_code", 400)
        raise ApiError(413 if status == 413 else 422, "bad_multipart",
                       str(getattr(exc, "detail", exc)), field="photos") from None  # fmt: skip
    try:
        unknown = set(form.keys()) - FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "unknown field")
        files: list[PhotoFile] = []
        for i, item in enumerate(form.getlist("photos")):
            if not isinstance(item, UploadFile):
                raise InvalidInput(f"photos[{i}]", "must be a file")
            files.append((item.filename or "", item.content_type or "", await item.read()))
        body_fields = {"feedback": form.get("feedback"), "expected_version": form.get("expected_version")}
        return body_fields, files
    finally:
        await form.close()


def _report(
    ctx: ApiContext, principal: Principal, case_id: int, order_id: int, fields: dict[str, Any],
    files: list[PhotoFile],
) -> dict[str, Any]:
    version = _version(fields.get("expected_version"))
    payload: dict[str, Any] = {"order_id": order_id, "feedback": fields.get("feedback")}
    if fields.get("photos") is not None:
        payload["photos"] = fields["photos"]
    with ctx.factory.begin() as session:
        case = report_part(session, principal, case_id, payload, files, sla=ctx.sla,
                           data_dir=ctx.data_dir, expected_version=version)  # fmt: skip
        return full_case(session, principal, case)


async def feedback(request: Request, principal: Principal, ctx: ApiContext) -> Response:
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields, files = await _form(request)
    else:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise InvalidInput("body", "must be an object")
        unknown = set(body) - FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "unknown field")
        fields, files = body, []
    case_id, order_id = request.path_params["id"], request.path_params["order"]
    doc = await run_in_threadpool(_report, ctx, principal, case_id, order_id, fields, files)
    return JSONResponse(doc)
