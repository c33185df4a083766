"""The OpenAPI document describes every route of the API and of the video sessions (method and
path), and every operation's error answers are JSON: a route added without its description, or
an error answered as text, fails here before a client or the fuzzer meets it."""

from __future__ import annotations

import re
from pathlib import Path

from dispatch.api.openapi import build_openapi
from tests.api.test_route_permissions import all_routes

UNDOCUMENTED = {("GET", "/openapi.json")}  # the document itself


def _template(path: str) -> str:
    """``/cases/{id:int}`` → ``/cases/{id}`` (Starlette's converters are not OpenAPI's)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def served_operations(tmp_path: Path) -> set[tuple[str, str]]:
    api, sessions = all_routes(tmp_path)
    out = {(m, _template(r.path)) for r in api for m in r.methods - {"HEAD"}}
    out |= {(m, _template(r.path.removeprefix("/api"))) for r in sessions for m in r.methods - {"HEAD"}}
    return out - UNDOCUMENTED


def documented_operations() -> set[tuple[str, str]]:
    paths = build_openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}}


def test_every_route_is_in_the_document(tmp_path: Path) -> None:
    served = served_operations(tmp_path)
    assert len(served) >= 20  # cases, centers, alerts, KPIs and the sessions' routes
    missing = sorted(served - documented_operations())
    assert missing == [], f"routes the OpenAPI document does not describe: {missing}"


def test_the_document_describes_no_route_that_does_not_exist(tmp_path: Path) -> None:
    extra = sorted(documented_operations() - served_operations(tmp_path))
    assert extra == [], f"operations in the document with no route: {extra}"


def test_every_error_answer_is_json() -> None:
    for path, item in build_openapi()["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    content = answer.get("content") or {}
                    if "$ref" in answer:
                        continue
                    assert "application/json" in content, (method, path, status)
