"""The pieces of the OpenAPI document: parameters, responses and component schemas, written
from the declarations the code reads (workflow actions, enumerations, intake model)."""

from __future__ import annotations

from typing import Any

from dispatch.intake import CaseIntake
from dispatch.types import CaseState
from dispatch.workflow import TRANSITIONS


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = json_content(ref("Error"), "Error")
ERRORS = {
    "400": {**ERR, "description": "Malformed request (e.g. a body nested too deep)"},
    "401": {**ERR, "description": "Not signed in"},
    "403": {**ERR, "description": "Your roles or token do not grant this; `message` names what"},
    "404": {**ERR, "description": "Unknown id, or outside your scope"},
    "409": {**ERR, "description": "Conflict, or action not allowed in the current state"},
    "413": {**ERR, "description": "Body too large"},
    "415": {**ERR, "description": "Unsupported media type"},
    "422": {**ERR, "description": "Validation error; `field` names the field"},
}


def query_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


SCOPE = query_param("scope", "Center code; the caller's own center by default. Reads see only its subtree.")


def action_table() -> dict[str, Any]:
    """``x-actions``: for each workflow action its payload fields, source states and roles."""
    return {
        t.action: {
            "required": list(t.required),
            "optional": list(t.optional),
            "from": sorted(t.sources),
            "roles": sorted(t.roles),
            "label": t.label,
        }
        for t in TRANSITIONS
    }


def component_schemas(actions: dict[str, Any]) -> dict[str, Any]:
    """``components.schemas``; ``actions`` is :func:`action_table`."""
    return {
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
                "grid": {"type": ["string", "null"], "description": "Grid code (网格)"},
                "unit": {"type": ["string", "null"], "description": "十联户 unit code"},
                "due_at": {"type": ["string", "null"], "format": "date-time"},
                "overdue": {"type": "boolean"},
                "leader": {"type": ["string", "null"], "description": "包保 responsible leader"},
                "plan": {"type": ["string", "null"], "description": "一案一策 plan"},
                "plan_review_on": {"type": ["string", "null"], "format": "date",
                                   "description": "The plan's next review date (local day)"},
                "supervise_at": {"type": ["string", "null"], "format": "date-time",
                                 "description": "The latest 督办 by a higher center"},
                "supervise_by": {"type": ["string", "null"], "description": "督办: its center"},
                "supervise_note": {"type": ["string", "null"]},
                "supervise_due_on": {"type": ["string", "null"], "format": "date",
                                     "description": "督办: the day to answer by"},
                "version": {"type": "integer"},
            },
            "additionalProperties": True,
        },
        "CaseDetail": {
            "allOf": [
                ref("Case"),
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
                "fields": {"type": "array", "items": {"type": "string"},
                           "description": "Every field at fault (a resend's differing fields, "
                           "unknown query parameters)"},
                "state": {"type": "string"},
                "allowed_actions": {"type": "array", "items": {"type": "string"}},
            },
        },
    }
