"""The briefing documents in the OpenAPI document: ``/briefings/{id}.pdf`` and ``.xlsx``."""

from __future__ import annotations

from typing import Any

from dispatch.api.documents import LANGS, PDF_MIME
from dispatch.api.openapi_schemas import ERRORS, path_param, query_param
from dispatch.sheets import XLSX_MIME

LANG = query_param("lang", "Language of the document's wording (zh-CN by default)",
                   {"type": "string", "enum": list(LANGS), "default": LANGS[0]})
BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def _document(summary: str, mime: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [path_param("id"), LANG],
            "responses": {
                "200": {
                    "description": "The document, as an attachment named after the center, kind and period",
                    "content": {mime: {"schema": BINARY}},
                },
                **ERRORS,
            },
        }
    }


def document_paths() -> dict[str, Any]:
    """``paths`` entries relative to the ``/api`` server."""
    return {
        "/briefings/{id}.pdf": _document(
            "A briefing as an A4 PDF (CJK font embedded, charts, page numbers; the center and "
            "period in every page's header)", PDF_MIME),
        "/briefings/{id}.xlsx": _document(
            "A briefing as an Excel workbook: summary, key figures, one sheet per table "
            "(numbers as numbers)", XLSX_MIME),
    }
