"""The OpenAPI 3.1 document of the dispatch API, written from the same declarations the code
reads (workflow actions, enumerations, intake model), so it cannot drift far from them."""

from __future__ import annotations

from typing import Any

from dispatch.api.openapi_briefings import briefing_paths
from dispatch.api.openapi_orders import order_paths
from dispatch.api.openapi_schemas import (
    ERR,
    ERRORS,
    SCOPE,
    action_table,
    component_schemas,
    json_content,
    path_param,
    query_param,
    ref,
)
from dispatch.api.openapi_sessions import session_paths
from dispatch.api.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS, SNIFF
from dispatch.api.views import KPI_BREAKDOWNS
from dispatch.types import Satisfaction


def build_openapi(server_prefix: str = "/api") -> dict[str, Any]:
    actions = action_table()
    schemas = component_schemas(actions)
    paths: dict[str, Any] = {
        "/cases": {
            "post": {
                "summary": "Report a case (上报事件) on a channel your credentials are granted. "
                "The same channel + external_id returns the existing case (200); with other "
                "content it is refused (409, `fields` names what differs).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": ref("CaseIntake")},
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
                    "201": json_content(ref("CaseDetail"), "Created"),
                    "200": json_content(ref("CaseDetail"), "Already reported"),
                    **ERRORS,
                },
            },
            "get": {
                "summary": "List cases in a scope, newest first",
                "parameters": [
                    SCOPE,
                    query_param("state", "Comma-separated states"),
                    query_param("risk", "high|medium|low"),
                    query_param("kind", "Case kind"),
                    query_param("channel", "Intake channel"),
                    query_param("overdue", "true|false", {"type": "boolean"}),
                    query_param("from", "Reported at or after (ISO date or date-time)"),
                    query_param("to", "Reported before; a date includes that whole day"),
                    query_param("q", "Text in the title"),
                    query_param("grid", "Grid code (网格): cases located in it"),
                    query_param("unit", "十联户 unit code: cases located in it"),
                    query_param("limit", "1–200", {"type": "integer", "default": 50}),
                    query_param("offset", "Paging offset", {"type": "integer", "default": 0}),
                ],
                "responses": {
                    "200": json_content(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": ref("Case")},
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
                "parameters": [path_param("id")],
                "responses": {"200": json_content(ref("CaseDetail")), **ERRORS},
            }
        },
        "/cases/{id}/actions": {
            "post": {
                "summary": "Take a workflow action",
                "parameters": [path_param("id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("Action")}},
                },
                "responses": {"200": json_content(ref("CaseDetail")), **ERRORS},
            }
        },
        "/cases/{id}/attachments/{att}": {
            "get": {
                "summary": "Photo bytes",
                "parameters": [path_param("id"), path_param("att")],
                "responses": {
                    "200": {"description": "The photo", "content": {k: {} for k in sorted(SNIFF)}},
                    **ERRORS,
                },
            }
        },
        "/kpis": {
            "get": {
                "summary": "KPIs of a scope and period, by child center, or of the cases located "
                "in a grid or unit (by unit or grid)",
                "parameters": [
                    SCOPE,
                    query_param("from", "Start (ISO)"),
                    query_param("to", "End (ISO)"),
                    query_param("grid", "Grid code: KPIs of the cases located in it"),
                    query_param("unit", "十联户 unit code: KPIs of the cases located in it"),
                    query_param("by", "Breakdown of children", {"enum": list(KPI_BREAKDOWNS)}),
                ],
                "responses": {
                    "200": json_content({"type": "object"}),
                    "501": {**ERR, "description": "KPI module not installed"},
                    **ERRORS,
                },
            }
        },
        "/centers/{code}": {
            "get": {
                "summary": "A center and its children",
                "parameters": [path_param("code", "string")],
                "responses": {"200": json_content(ref("Center")), **ERRORS},
            }
        },
        "/centers/{code}/children": {
            "get": {
                "summary": "Children of a center",
                "parameters": [path_param("code", "string")],
                "responses": {"200": json_content({"type": "object"}), **ERRORS},
            }
        },
        "/alerts": {
            "get": {
                "summary": "Alerts in a scope",
                "parameters": [
                    SCOPE,
                    query_param("open", "Only open alerts (default true)", {"type": "boolean"}),
                    query_param("unacked", "Only unacknowledged", {"type": "boolean"}),
                    query_param("kind", "Alert kind"),
                    query_param("limit", "1–500", {"type": "integer"}),
                    query_param("offset", "Paging offset", {"type": "integer"}),
                ],
                "responses": {
                    "200": json_content(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": ref("Alert")}},
                        }
                    ),
                    **ERRORS,
                },
            }
        },
        "/alerts/{id}/ack": {
            "post": {
                "summary": "Acknowledge an alert as the signed-in caller (permission 'ack')",
                "parameters": [path_param("id")],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"note": {"type": "string", "maxLength": 500}},
                                "additionalProperties": False,
                            }
                        }
                    },
                },
                "responses": {"200": json_content(ref("Alert")), **ERRORS},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "综治中心调度 API · dispatch API", "version": "1"},
        "servers": [{"url": server_prefix}],
        "paths": {**paths, **order_paths(), **session_paths(), **briefing_paths()},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (zzt_…) or a session cookie"}},
        },
        "security": [{"bearer": []}],
        "x-actions": actions,
        "x-satisfaction": [s.value for s in Satisfaction],
    }
