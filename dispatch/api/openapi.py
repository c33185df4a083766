"""The OpenAPI 3.1 document of the dispatch API, written from the same declarations the code
reads (workflow actions, enumerations, intake model), so it cannot drift far from them."""

from __future__ import annotations

from typing import Any

from dispatch.api.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS, SNIFF
from dispatch.intake import CaseIntake
from dispatch.types import CaseState, Satisfaction
from dispatch.workflow import TRANSITIONS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = _json(_ref("Error"), "Error")
ERRORS = {
    "401": {**ERR, "description": "Not signed in"},
    "404": {**ERR, "description": "Unknown id, or outside your scope"},
    "409": {**ERR, "description": "Conflict, or action not allowed in the current state"},
    "413": {**ERR, "description": "Body too large"},
    "415": {**ERR, "description": "Unsupported media type"},
    "422": {**ERR, "description": "Validation error; `field` names the field"},
}


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


SCOPE = _q("scope", "Center code; the caller's own center by default. Reads see only its subtree.")


def build_openapi(server_prefix: str = "/api") -> dict[str, Any]:
    actions = {
        t.action: {
            "required": list(t.required),
            "optional": list(t.optional),
            "from": sorted(t.sources),
            "roles": sorted(t.roles),
            "label": t.label,
        }
        for t in TRANSITIONS
    }
    schemas: dict[str, Any] = {
        "CaseIntake": CaseIntake.model_json_schema(mode="validation"),
        "Case": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string"},
                "title": {"type": "string"},
                "state": {"enum": [s.value for s in CaseState]},
                "risk": {"type": "string"},
                "owning_path": {"type": "string"},
                "due_at": {"type": ["string", "null"], "format": "date-time"},
                "overdue": {"type": "boolean"},
                "version": {"type": "integer"},
            },
            "additionalProperties": True,
        },
        "CaseDetail": {
            "allOf": [
                _ref("Case"),
                {
                    "type": "object",
                    "properties": {
                        "timeline": {"type": "array", "items": {"type": "object"}},
                        "orders": {"type": "array", "items": {"type": "object"}},
                        "attachments": {"type": "array", "items": {"type": "object"}},
                        "allowed_actions": {"type": "array", "items": {"type": "string"}},
                    },
                },
            ]
        },
        "Action": {
            "type": "object",
            "required": ["action", "expected_version"],
            "additionalProperties": False,
            "properties": {
                "action": {"enum": list(actions)},
                "payload": {"type": "object", "description": "Fields per action: see x-actions"},
                "expected_version": {
                    "type": "integer",
                    "description": "The case version you last read",
                },
            },
        },
        "Alert": {"type": "object", "additionalProperties": True},
        "Center": {"type": "object", "additionalProperties": True},
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "state": {"type": "string"},
                "allowed_actions": {"type": "array", "items": {"type": "string"}},
            },
        },
    }
    paths: dict[str, Any] = {
        "/cases": {
            "post": {
                "summary": "Report a case (上报事件). Same source + external_id returns the existing case (200).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("CaseIntake")},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["case"],
                                "properties": {
                                    "case": {
                                        "type": "string",
                                        "description": "CaseIntake as JSON text",
                                    },
                                    "photos": {
                                        "type": "array",
                                        "maxItems": MAX_PHOTOS,
                                        "items": {
                                            "type": "string",
                                            "format": "binary",
                                            "maxLength": MAX_PHOTO_BYTES,
                                        },
                                    },
                                },
                            },
                            "encoding": {"photos": {"contentType": ", ".join(sorted(SNIFF))}},
                        },
                    },
                },
                "responses": {
                    "201": _json(_ref("CaseDetail"), "Created"),
                    "200": _json(_ref("CaseDetail"), "Already reported"),
                    **ERRORS,
                },
            },
            "get": {
                "summary": "List cases in a scope, newest first",
                "parameters": [
                    SCOPE,
                    _q("state", "Comma-separated states"),
                    _q("risk", "high|medium|low"),
                    _q("kind", "Case kind"),
                    _q("channel", "Intake channel"),
                    _q("overdue", "true|false", {"type": "boolean"}),
                    _q("from", "Reported at or after (ISO date or date-time)"),
                    _q("to", "Reported before; a date includes that whole day"),
                    _q("q", "Text in the title"),
                    _q("limit", "1–200", {"type": "integer", "default": 50}),
                    _q("offset", "Paging offset", {"type": "integer", "default": 0}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": _ref("Case")},
                                "total": {"type": "integer"},
                            },
                        }
                    ),
                    **ERRORS,
                },
            },
        },
        "/cases/{id}": {
            "get": {
                "summary": "A case with its timeline, orders and attachments",
                "parameters": [_path("id")],
                "responses": {"200": _json(_ref("CaseDetail")), **ERRORS},
            }
        },
        "/cases/{id}/actions": {
            "post": {
                "summary": "Take a workflow action",
                "parameters": [_path("id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Action")}},
                },
                "responses": {"200": _json(_ref("CaseDetail")), **ERRORS},
            }
        },
        "/cases/{id}/attachments/{att}": {
            "get": {
                "summary": "Photo bytes",
                "parameters": [_path("id"), _path("att")],
                "responses": {
                    "200": {"description": "The photo", "content": {k: {} for k in sorted(SNIFF)}},
                    **ERRORS,
                },
            }
        },
        "/kpis": {
            "get": {
                "summary": "KPIs of a scope and period, by child center",
                "parameters": [SCOPE, _q("from", "Start (ISO)"), _q("to", "End (ISO)")],
                "responses": {
                    "200": _json({"type": "object"}),
                    "501": {**ERR, "description": "KPI module not installed"},
                    **ERRORS,
                },
            }
        },
        "/centers/{code}": {
            "get": {
                "summary": "A center and its children",
                "parameters": [_path("code", "string")],
                "responses": {"200": _json(_ref("Center")), **ERRORS},
            }
        },
        "/centers/{code}/children": {
            "get": {
                "summary": "Children of a center",
                "parameters": [_path("code", "string")],
                "responses": {"200": _json({"type": "object"}), **ERRORS},
            }
        },
        "/alerts": {
            "get": {
                "summary": "Alerts in a scope",
                "parameters": [
                    SCOPE,
                    _q("open", "Only open alerts (default true)", {"type": "boolean"}),
                    _q("unacked", "Only unacknowledged", {"type": "boolean"}),
                    _q("kind", "Alert kind"),
                    _q("limit", "1–500", {"type": "integer"}),
                    _q("offset", "Paging offset", {"type": "integer"}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Alert")}},
                        }
                    ),
                    **ERRORS,
                },
            }
        },
        "/alerts/{id}/ack": {
            "post": {
                "summary": "Acknowledge an alert by a named person",
                "parameters": [_path("id")],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"by": {"type": "string", "maxLength": 64}},
                            }
                        }
                    },
                },
                "responses": {"200": _json(_ref("Alert")), **ERRORS},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "综治中心调度 API · dispatch API", "version": "1"},
        "servers": [{"url": server_prefix}],
        "paths": paths,
        "components": {"schemas": schemas},
        "x-actions": actions,
        "x-satisfaction": [s.value for s in Satisfaction],
    }
