"""Fields of a JSON request body, checked one by one; a wrong field raises ``InvalidInput``."""

from __future__ import annotations

from typing import Any

from dispatch.errors import InvalidInput


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be an object")
    return body


def body_int(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, "required, an integer")
    return value


def body_str(body: dict[str, Any], name: str, limit: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, "required, a non-empty string")
    if len(value) > limit:
        raise InvalidInput(name, f"at most {limit} characters")
    return value
