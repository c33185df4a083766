"""What a new case must say: validated once, at the edge (API, importers, the clock).

:func:`parse_intake` checks a report on its own (types, lengths, phone format, sub-kind of the
kind); :func:`resolve_places` checks it against the registry (the grid lies in the receiving
center's subtree, the 十联户 unit in the grid). ``strict=True`` is the desk form's mode: the
sub-kind must be chosen (the kind is always required; the API never defaults it), so nothing
is filed under a category nobody picked. API clients keep the lenient mode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.orm import Session

from dispatch.desk.phone import normalize_phone
from dispatch.desk.vocabulary import check_sub_kind
from dispatch.errors import InvalidInput
from dispatch.models import Center, Grid, Unit
from dispatch.types import CaseKind, Channel, Complexity, Risk


class CaseIntake(BaseModel):
    """A report. ``channel`` + ``external_id`` identify it in the sending system: the same
    pair never creates a second case (:mod:`dispatch.report`). ``source``, which older clients
    send, must name the channel when given: a report's key lives in its channel."""

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
    reported_at: AwareDatetime | None = Field(
        None, title="when it happened: only channels with their own clock (dispatch.channels)"
    )
    reported_at_reason: str | None = Field(
        None, min_length=1, max_length=200, title="why a reported_at is older than the tolerance"
    )
    address: str | None = Field(None, min_length=1, max_length=200, title="事发地址 address")
    unit: str | None = Field(None, min_length=1, max_length=32, title="十联户 unit code")
    reporter_phone: str | None = Field(None, max_length=32, title="reporter's phone")
    sub_kind: str | None = Field(None, max_length=32, title="子类 sub-kind of the kind")

    @field_validator("reporter_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None or value == "" else normalize_phone(value)

    @model_validator(mode="after")
    def _source_is_the_channel(self) -> CaseIntake:
        if self.source is not None and self.source != self.channel.value:
            raise InvalidInput(
                "source",
                f"must be the channel ({self.channel.value}) or left out: the idempotency key "
                "is (channel, external_id)",
            )
        return self

    @model_validator(mode="after")
    def _sub_kind_of_kind(self) -> CaseIntake:
        if self.sub_kind is not None:
            try:
                check_sub_kind(self.kind.value, self.sub_kind)
            except ValueError as exc:
                raise InvalidInput("sub_kind", str(exc)) from None
        return self

    def idempotency_key(self) -> tuple[str, str] | None:
        """``(channel, external_id)``, or None for a report without an external id."""
        if self.external_id is None:
            return None
        return (self.channel.value, self.external_id)


#: Fields the desk form must fill although the API may leave them out.
STRICT_REQUIRED = ("sub_kind",)


def parse_intake(raw: str | bytes | dict[str, Any], *, strict: bool = False) -> CaseIntake:
    """Validate a report (JSON text or an object decoded from JSON); errors name the field.

    ``strict`` (the desk's intake form) also requires :data:`STRICT_REQUIRED`.
    """
    try:
        if not isinstance(raw, str | bytes):
            # Decoded JSON carries datetimes as strings: validate the object as JSON would.
            raw = json.dumps(raw, default=_iso, ensure_ascii=False)
        intake = CaseIntake.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        msg = err["msg"].removeprefix("Value error, ")
        raise InvalidInput(field, msg) from None
    if strict:
        for name in STRICT_REQUIRED:
            if getattr(intake, name) is None:
                raise InvalidInput(name, "required: choose it explicitly")
    return intake


@dataclass(frozen=True)
class Places:
    """Registry ids of where a report is from, checked against each other."""

    grid_id: int | None
    unit_id: int | None


def resolve_places(session: Session, intake: CaseIntake, center: Center) -> Places:
    """The grid and 十联户 unit of a report, checked: the grid lies in ``center``'s subtree
    (the receiving center), the unit in that grid. A unit without a grid brings its grid.
    Raises InvalidInput naming ``grid`` or ``unit``."""
    grid: Grid | None = None
    if intake.grid:
        grid = session.scalar(sa.select(Grid).where(Grid.code == intake.grid))
        if grid is None:
            raise InvalidInput("grid", f"unknown grid {intake.grid}")
    unit: Unit | None = None
    if intake.unit:
        unit = session.scalar(sa.select(Unit).where(Unit.code == intake.unit))
        if unit is None:
            raise InvalidInput("unit", f"unknown 十联户 unit {intake.unit}")
        if grid is None:
            grid = session.get(Grid, unit.grid_id)
        elif unit.grid_id != grid.id:
            raise InvalidInput("unit", f"unit {intake.unit} is not in grid {grid.code}")
    if grid is not None:
        path = session.scalar(sa.select(Center.path).where(Center.id == grid.center_id))
        if path is None or not (path == center.path or path.startswith(center.path + "/")):
            field = "grid" if intake.grid else "unit"
            raise InvalidInput(field, f"grid {grid.code} is not under center {center.code}")
    return Places(grid.id if grid else None, unit.id if unit else None)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
