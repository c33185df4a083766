"""What a new case must say: validated once, at the edge (API, importers, the clock)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from dispatch.errors import InvalidInput
from dispatch.types import CaseKind, Channel, Complexity, Risk


class CaseIntake(BaseModel):
    """A report. ``source`` + ``external_id`` identify it in the reporting system: the same
    pair never creates a second case."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    kind: CaseKind
    channel: Channel
    center: str = Field(pattern=r"^[0-9]{6,12}$", title="行政区划 code of the receiving center")
    risk: Risk = Risk.LOW
    complexity: Complexity | None = None
    source: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    external_id: str | None = Field(None, min_length=1, max_length=128)
    grid: str | None = Field(None, max_length=24)
    camera_id: str | None = Field(None, max_length=64)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    reporter: str = Field("", max_length=64)
    leader: str | None = Field(None, max_length=50)
    plan: str | None = Field(None, max_length=4000)
    reported_at: AwareDatetime | None = None

    def idempotency_key(self) -> tuple[str, str] | None:
        if self.external_id is None:
            return None
        return (self.source or self.channel.value, self.external_id)


def parse_intake(raw: str | bytes | dict[str, Any]) -> CaseIntake:
    """Validate a report (JSON text or an object decoded from JSON); errors name the field."""
    try:
        if not isinstance(raw, str | bytes):
            # Decoded JSON carries datetimes as strings: validate the object as JSON would.
            raw = json.dumps(raw, default=_iso, ensure_ascii=False)
        return CaseIntake.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        raise InvalidInput(field, err["msg"]) from None


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
