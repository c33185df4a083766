"""The OpenAPI paths of work orders: an assisting order's feedback with photos (协办反馈).

退单, its arbitration (``approve_return`` / ``reject_return``) and a feedback without photos
are workflow actions of ``POST /cases/{id}/actions`` (see ``x-actions``)."""

from __future__ import annotations

from typing import Any

from dispatch.api.openapi_schemas import ERRORS, json_content, path_param, ref
from dispatch.api.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS, SNIFF

_TEXT = {"type": "string", "minLength": 1, "maxLength": 4000, "description": "What the assist did"}
_VERSION = {"type": "integer", "description": "The case version you last read"}


def order_paths() -> dict[str, Any]:
    return {
        "/cases/{id}/orders/{order}/feedback": {
            "post": {
                "summary": "协办反馈: the holder of a signed assisting order reports its part, "
                "with photos (the workflow action `feedback`)",
                "parameters": [path_param("id"), path_param("order")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["feedback", "expected_version"],
                                "properties": {
                                    "feedback": _TEXT,
                                    "expected_version": _VERSION,
                                    "photos": {
                                        "type": "array",
                                        "maxItems": MAX_PHOTOS,
                                        "items": {"type": "string", "format": "binary",
                                                  "maxLength": MAX_PHOTO_BYTES},
                                    },
                                },
                            },
                            "encoding": {"photos": {"contentType": ", ".join(sorted(SNIFF))}},
                        },
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["feedback", "expected_version"],
                                "additionalProperties": False,
                                "properties": {
                                    "feedback": _TEXT,
                                    "expected_version": _VERSION,
                                    "photos": {"type": "array", "maxItems": MAX_PHOTOS,
                                               "items": {"type": "integer"},
                                               "description": "Attachment ids of the case"},
                                },
                            }
                        },
                    },
                },
                "responses": {"200": json_content(ref("CaseDetail")), **ERRORS},
            }
        }
    }
