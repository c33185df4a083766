"""The briefing routes (日小结 / 研判) in the OpenAPI document, with the schema of a briefing
as :class:`dispatch.briefings.Briefing` serialises it."""

from __future__ import annotations

from typing import Any

from dispatch.api.openapi_documents import document_paths
from dispatch.api.openapi_schemas import ERRORS, SCOPE, json_content, path_param, query_param
from dispatch.briefings import Kind, Status
from dispatch.briefings.store import CONCLUSION_MAX, LIST_MAX

TEXT: dict[str, Any] = {"type": "string"}
NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
CELL: dict[str, Any] = {"type": ["string", "integer", "number", "null"]}
KIND: dict[str, Any] = {"type": "string", "enum": [k.value for k in Kind]}


def _obj(props: dict[str, Any], required: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props if required is None else required),
    }


CENTER = _obj({"code": TEXT, "name": TEXT, "level": {"type": "integer"}, "path": TEXT})
TABLE = _obj(
    {
        "key": TEXT,
        "title": TEXT,
        "columns": {
            "type": "array",
            "items": _obj({"key": TEXT, "label": TEXT, "kind": TEXT}),
        },
        "rows": {"type": "array", "items": {"type": "array", "items": CELL}},
        "total": {"type": ["array", "null"], "items": CELL},
        "note": NULLABLE_TEXT,
    }
)
CHART = _obj(
    {
        "key": TEXT,
        "title": TEXT,
        "table": TEXT,
        "x": TEXT,
        "y": {"type": "array", "items": TEXT},
        "type": {"type": "string", "enum": ["bar", "line", "pie"]},
    }
)
SIGNATURE = _obj(
    {"signer": TEXT, "signed_at": TEXT, "conclusion": TEXT, "signer_name": TEXT}
)
BRIEFING = _obj(
    {
        "id": {"type": ["integer", "null"]},
        "kind": KIND,
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "center": CENTER,
        "period_start": DATE,
        "period_end": DATE,
        "generated_at": TEXT,
        "generated_by": TEXT,
        "headline": {"type": "object", "additionalProperties": CELL},
        "sections": {
            "type": "array",
            "items": _obj(
                {
                    "key": TEXT,
                    "title": TEXT,
                    "tables": {"type": "array", "items": TABLE},
                    "charts": {"type": "array", "items": CHART},
                }
            ),
        },
        "narrative": {"type": "object", "additionalProperties": TEXT},
        "signature": {"oneOf": [{"type": "null"}, SIGNATURE]},
        "conclusion": TEXT,
        "schema": {"type": "integer"},
        "extra": {"type": "object"},
    }
)
SUMMARY = _obj(
    {
        "id": {"type": "integer"},
        "kind": KIND,
        "center": CENTER,
        "period_start": DATE,
        "period_end": DATE,
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "generated_at": TEXT,
        "signed_by": NULLABLE_TEXT,
        "signed_at": NULLABLE_TEXT,
        "version": {"type": "integer"},
        "headline": {"type": "object", "additionalProperties": CELL},
    }
)


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def briefing_paths() -> dict[str, Any]:
    """``paths`` entries relative to the ``/api`` server."""
    one = json_content(BRIEFING)
    return {
        "/briefings": {
            "get": {
                "summary": "Briefings you may read in a scope (its signed ones; your own "
                "center's drafts), newest period first",
                "parameters": [
                    SCOPE,
                    query_param("kind", "daily|weekly|monthly|quarterly", KIND),
                    query_param("from", "Periods starting on or after this local date", DATE),
                    query_param("to", "Periods starting on or before this local date", DATE),
                    query_param("status", "draft (awaiting a signature) | signed",
                                {"type": "string", "enum": ["draft", "signed"]}),
                    query_param(
                        "limit", f"1–{LIST_MAX}",
                        {"type": "integer", "minimum": 1, "maximum": LIST_MAX, "default": 100},
                    ),
                ],
                "responses": {
                    "200": json_content(
                        _obj(
                            {
                                "scope": TEXT,
                                "items": {"type": "array", "items": SUMMARY},
                                "limit": {"type": "integer"},
                            }
                        )
                    ),
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Generate (or regenerate) the draft briefing of a center and period "
                "(permission 'briefing.generate'); 409 when that period's briefing is signed",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "kind": KIND,
                            "scope": {**TEXT, "description": "Center code; yours by default"},
                            "period_start": {
                                **DATE,
                                "description": "Any local date of the period (a week: its "
                                "Monday is taken); the last finished period by default",
                            },
                        },
                        "required": ["kind"],
                        "additionalProperties": False,
                    }
                ),
                "responses": {"201": json_content(BRIEFING, "Created"), **ERRORS},
            },
        },
        "/briefings/{id}": {
            "get": {
                "summary": "A briefing with every figure (tables, charts, narrative, signature)",
                "parameters": [path_param("id")],
                "responses": {"200": one, **ERRORS},
            }
        },
        "/briefings/{id}/sign": {
            "post": {
                "summary": "Sign a draft with your conclusion (permission 'briefing.sign', "
                "your own center's briefing); it is then frozen",
                "parameters": [path_param("id")],
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "conclusion": {**TEXT, "minLength": 1, "maxLength": CONCLUSION_MAX},
                            "version": {
                                "type": "integer",
                                "description": "The version read; refused (409) if the draft "
                                "was generated again since",
                            },
                        },
                        "required": ["conclusion"],
                        "additionalProperties": False,
                    }
                ),
                "responses": {"200": one, **ERRORS},
            }
        },
        **document_paths(),
    }
