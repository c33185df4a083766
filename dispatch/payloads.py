"""Validation of action payloads: one checker per field name, shared by every action."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from dispatch.errors import InvalidInput
from dispatch.transitions import Transition
from dispatch.types import Complexity, Risk, Satisfaction

MAX_TEXT = 4000
#: Photos one 协办 feedback may carry (as many as a report: dispatch.api.uploads.MAX_PHOTOS).
MAX_PHOTOS = 6


def _text(limit: int) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(name, "must be a non-empty string")
        if len(value) > limit:
            raise InvalidInput(name, f"longer than {limit} characters")
        return value

    return check


def _int(low: int, high: int) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(name, "must be an integer")
        if not low <= value <= high:
            raise InvalidInput(name, f"must be between {low} and {high}")
        return value

    return check


def _choice(enum: type[Any]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        try:
            return str(enum(value).value)
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            raise InvalidInput(name, f"must be one of {choices}") from None

    return check


def _day(name: str, value: Any) -> str:
    """A calendar day, ``YYYY-MM-DD`` (a local day of the deployment's time zone)."""
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise InvalidInput(name, "must be a date as YYYY-MM-DD")


def _target(name: str, value: Any) -> dict[str, str]:
    """A dispatch target: ``{"department": code}`` or ``{"center": code}``."""
    if not isinstance(value, dict) or len(value) != 1:
        raise InvalidInput(name, 'must be {"department": code} or {"center": code}')
    ((key, code),) = value.items()
    if key not in ("department", "center") or not isinstance(code, str) or not code:
        raise InvalidInput(name, 'must be {"department": code} or {"center": code}')
    return {key: code}


def _ids(limit: int) -> Callable[[str, Any], list[int]]:
    def check(name: str, value: Any) -> list[int]:
        if not isinstance(value, list) or len(value) > limit:
            raise InvalidInput(name, f"must be a list of at most {limit} ids")
        return [_int(1, 2**62)(f"{name}[{i}]", v) for i, v in enumerate(value)]

    return check


def _targets(name: str, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 20:
        raise InvalidInput(name, "must be a list of at most 20 targets")
    return [_target(f"{name}[{i}]", v) for i, v in enumerate(value)]


FIELDS: Mapping[str, Callable[[str, Any], Any]] = {
    "reason": _text(MAX_TEXT),
    "note": _text(MAX_TEXT),
    "message": _text(MAX_TEXT),
    "result": _text(MAX_TEXT),
    "feedback": _text(MAX_TEXT),
    "photos": _ids(MAX_PHOTOS),
    "plan": _text(MAX_TEXT),
    "leader": _text(50),
    "risk": _choice(Risk),
    "complexity": _choice(Complexity),
    "satisfaction": _choice(Satisfaction),
    "order_id": _int(1, 2**62),
    "into": _int(1, 2**62),
    "days": _int(1, 120),
    "review_on": _day,  # 一案一策: the plan's next review date
    "deadline": _day,  # 督办: the day the supervised center must answer by
    "lead": _target,
    "assists": _targets,
}


def validate_payload(transition: Transition, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``payload`` against the action's declaration; return the normalised copy."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("payload", "must be an object")
    known = set(transition.required) | set(transition.optional)
    for name in payload:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise InvalidInput(
                f"payload.{name}", f"unknown field for {transition.action!r} (allowed: {allowed})"
            )
    clean: dict[str, Any] = {}
    for name in transition.required:
        if payload.get(name) is None:
            raise InvalidInput(f"payload.{name}", f"required by {transition.action!r}")
    for name, value in payload.items():
        if value is not None:
            clean[name] = FIELDS[name](f"payload.{name}", value)
    return clean
