"""The video consultation (会商) routes in the OpenAPI document: ``/api/consultations/...``,
routed by :mod:`dispatch.consultation.api` beside the dispatch API and described here so the
one document lists every route under ``/api``."""

from __future__ import annotations

from typing import Any

from dispatch.api.openapi_schemas import ERRORS, json_content, path_param, query_param

OBJECT: dict[str, Any] = {"type": "object"}


def _body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, status: str, *, body: dict[str, Any] | None = None,
        params: tuple[dict[str, Any], ...] = (), answer: dict[str, Any] = OBJECT) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {status: json_content(answer), **ERRORS},
    }
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    return op


ID = path_param("id")
TEXT = {"type": "string"}
INT = {"type": "integer"}


def session_paths() -> dict[str, Any]:
    """``paths`` entries relative to the ``/api`` server."""
    base, item = "/consultations", "/consultations/{id}"
    return {
        base: {
            "post": _op("Start a session on a case or an alert (会商)", "201", body=_body({
                "case_id": INT, "alert_id": INT, "invite_chain": {"type": "boolean"},
                "attach": INT,
            })),
            "get": _op("Sessions of a case (case_id), or the running ones in your scope", "200",
                       params=(query_param("case_id", "A case id", INT),)),
        },
        item: {"get": _op("A session: case card, people, cameras, notes", "200", params=(ID,))},
        item + "/cameras": {
            "post": _op("Attach a camera", "200", params=(ID,),
                        body=_body({"camera_id": {"type": "string", "maxLength": 64}}, ("camera_id",))),
        },
        item + "/cameras/{camera}": {
            "delete": _op("Detach a camera", "200", params=(ID, path_param("camera", "string"))),
        },
        item + "/invitations": {
            "post": _op("Invite someone (a join link, shown once) or the chain of centers", "201",
                        params=(ID,), body=_body({
                            "name": {"type": "string", "maxLength": 100},
                            "role": {"type": "string"}, "ttl_minutes": INT,
                            "chain": {"type": "boolean"},
                        })),
        },
        item + "/participants/{participant}/link": {
            "get": _op("A participant's join link, again", "200",
                       params=(ID, path_param("participant"))),
        },
        item + "/notes": {
            "post": _op("A note on the session's record", "201", params=(ID,),
                        body=_body({"text": {"type": "string", "maxLength": 4000}}, ("text",))),
        },
        item + "/arrivals": {
            "post": _op("Record a participant's arrival (三必到)", "201", params=(ID,),
                        body=_body({"participant_id": INT}, ("participant_id",))),
        },
        item + "/evidence": {
            "post": _op("Save a picture of a feed to the case", "201", params=(ID,),
                        body=_body({"feed": {"type": "string", "maxLength": 80}}, ("feed",))),
        },
        item + "/actions": {
            "post": _op("Take a workflow action on the session's case", "200", params=(ID,),
                        body=_body({"action": TEXT, "payload": OBJECT}, ("action",))),
        },
        item + "/end": {
            "post": _op("End the session with a conclusion", "200", params=(ID,),
                        body=_body({"conclusion": TEXT})),
        },
    }
