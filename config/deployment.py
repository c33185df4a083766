"""The deployment description: centers, grids, 十联户 units, departments, cameras, SLA, holidays.

One TOML file describes a deployment::

    [[centers]]
    code = "532600"; name = "文山州综治中心"; level = 1
    [[centers]]
    code = "532622"; name = "砚山县综治中心"; level = 2; parent = "532600"
    [[grids]]
    code = "532622101201001"; name = "一网格"; center = "532622101201"; households = 285
    [[departments]]
    code = "532622-police"; name = "县公安局"; center = "532622"; mode = "resident"
    [[cameras]]   # config.cameras.CameraConfig
    [sla]         # config.sla.SlaPolicy
    [holidays]    # config.holidays.HolidayCalendar
    [recording]   # config.recording.RecordingPolicy

:func:`load_deployment` validates every entry, then the rules that span entries
(``verify_*``), and raises :class:`ConfigError` naming the file, the entry
(``centers[12] (532622101)``) and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from config.cameras import CameraConfig
from config.errors import ConfigError
from config.holidays import HolidayCalendar
from config.recording import RecordingPolicy, verify_recording
from config.sla import SlaPolicy
from config.streams import StrictModel
from config.vocabulary import DepartmentMode

CENTER_CODE_LENGTH = {1: 6, 2: 6, 3: 9, 4: 12}


class CenterEntry(StrictModel):
    code: str = Field(
        pattern=r"^[0-9]{6}([0-9]{3}){0,2}$", title="行政区划 code (6, 9 or 12 digits)"
    )
    name: str = Field(min_length=1, max_length=100)
    level: int = Field(ge=1, le=4, title="1 prefecture, 2 county, 3 township, 4 village")
    parent: str | None = Field(None, title="Code of the parent center (absent at level 1)")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class GridEntry(StrictModel):
    code: str = Field(pattern=r"^[0-9A-Za-z-]{1,24}$")
    name: str = Field(min_length=1, max_length=100)
    center: str = Field(title="Code of the village (level-4) center")
    households: int = Field(0, ge=0, le=100_000)
    grid_workers: int = Field(0, ge=0, le=1_000)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class UnitEntry(StrictModel):
    code: str = Field(pattern=r"^[0-9A-Za-z-]{1,32}$")
    grid: str = Field(title="Code of the grid")
    households: int = Field(ge=1, le=500, title="Households (10–50 in practice)")
    head: str = Field(min_length=1, max_length=50, title="联户长")


class DepartmentEntry(StrictModel):
    code: str = Field(pattern=r"^[0-9A-Za-z_.-]{1,40}$")
    name: str = Field(min_length=1, max_length=100)
    center: str = Field(title="Code of the center it sits at")
    mode: DepartmentMode = Field(title="resident (常驻) or rotating (轮驻)")


class Deployment(StrictModel):
    name: str = Field("", max_length=100, title="Deployment name")
    centers: list[CenterEntry] = Field(default_factory=list)
    grids: list[GridEntry] = Field(default_factory=list)
    units: list[UnitEntry] = Field(default_factory=list)
    departments: list[DepartmentEntry] = Field(default_factory=list)
    cameras: list[CameraConfig] = Field(default_factory=list)
    sla: SlaPolicy = Field(default_factory=SlaPolicy)
    holidays: HolidayCalendar = Field(default_factory=HolidayCalendar)
    recording: RecordingPolicy = Field(default_factory=RecordingPolicy)


def load_deployment(path: Path | str) -> Deployment:
    """Read, validate and cross-check a deployment file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    return parse_deployment(raw, path)


def parse_deployment(raw: dict[str, Any], path: Path | str | None = None) -> Deployment:
    try:
        deployment = Deployment.model_validate(raw)
    except ValidationError as exc:
        # A misspelt key also shows as a missing one; naming the misspelling helps more.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        entry, field = _locate(raw, err["loc"])
        raise ConfigError(path, err["msg"], entry=entry, field=field) from None
    verify_deployment(deployment, path)
    return deployment


def _locate(raw: dict[str, Any], loc: Sequence[int | str]) -> tuple[str | None, str | None]:
    """Turn a pydantic location into (``centers[12] (532622101)``, ``parent``)."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        section, index = str(loc[0]), loc[1]
        items = raw.get(section)
        label = f"{section}[{index}]"
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            key = items[index].get("code", items[index].get("id"))
            if isinstance(key, str | int):
                label += f" ({key})"
        field = ".".join(str(p) for p in loc[2:]) or None
        return label, field
    if len(loc) >= 2:
        return str(loc[0]), ".".join(str(p) for p in loc[1:])
    return None, ".".join(str(p) for p in loc) or None


def _label(section: str, index: int, code: str) -> str:
    return f"{section}[{index}] ({code})"


def verify_unique(section: str, codes: Iterable[str], path: Path | str | None) -> None:
    seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code in seen:
            raise ConfigError(
                path,
                f"duplicate code, first used by {section}[{seen[code]}]",
                entry=_label(section, index, code),
                field="code" if section != "cameras" else "id",
            )
        seen[code] = index


def verify_centers(centers: Sequence[CenterEntry], path: Path | str | None) -> None:
    """Parents exist one level up, codes extend their parent's code, lengths match levels."""
    by_code = {c.code: c for c in centers}
    for index, center in enumerate(centers):
        entry = _label("centers", index, center.code)
        if len(center.code) != CENTER_CODE_LENGTH[center.level]:
            raise ConfigError(
                path,
                f"a level-{center.level} code has {CENTER_CODE_LENGTH[center.level]} digits",
                entry=entry,
                field="code",
            )
        if center.level == 1:
            if center.parent is not None:
                raise ConfigError(
                    path, "a level-1 center has no parent", entry=entry, field="parent"
                )
            continue
        if center.parent is None:
            raise ConfigError(
                path, f"a level-{center.level} center needs a parent", entry=entry, field="parent"
            )
        parent = by_code.get(center.parent)
        if parent is None:
            raise ConfigError(
                path, f"unknown parent center {center.parent}", entry=entry, field="parent"
            )
        if parent.level != center.level - 1:
            raise ConfigError(
                path,
                f"parent {parent.code} is level {parent.level}, expected {center.level - 1}",
                entry=entry,
                field="parent",
            )
        # County codes share the prefecture's first four digits; below, codes extend the parent's.
        prefix = parent.code[:4] if center.level == 2 else parent.code
        if not center.code.startswith(prefix) or center.code == parent.code:
            raise ConfigError(
                path, f"code does not extend parent code {parent.code}", entry=entry, field="code"
            )


def _known(
    path: Path | str | None, value: str, known: Collection[str], what: str, entry: str, field: str
) -> None:
    if value not in known:
        raise ConfigError(path, f"unknown {what} {value}", entry=entry, field=field)


def verify_references(deployment: Deployment, path: Path | str | None) -> None:
    """Grids hang under villages, units under grids; departments and cameras under centers."""
    levels = {c.code: c.level for c in deployment.centers}
    grids = {g.code for g in deployment.grids}
    for index, grid in enumerate(deployment.grids):
        entry = _label("grids", index, grid.code)
        _known(path, grid.center, levels, "center", entry, "center")
        if levels[grid.center] != 4:
            raise ConfigError(
                path,
                f"center {grid.center} is level {levels[grid.center]}; grids hang under "
                "village (level-4) centers",
                entry=entry,
                field="center",
            )
    for index, unit in enumerate(deployment.units):
        _known(path, unit.grid, grids, "grid", _label("units", index, unit.code), "grid")
    for index, dept in enumerate(deployment.departments):
        entry = _label("departments", index, dept.code)
        _known(path, dept.center, levels, "center", entry, "center")
    for index, cam in enumerate(deployment.cameras):
        entry = _label("cameras", index, cam.id)
        _known(path, cam.center, levels, "center", entry, "center")
        if cam.grid is not None:
            _known(path, cam.grid, grids, "grid", entry, "grid")


def verify_deployment(deployment: Deployment, path: Path | str | None = None) -> None:
    verify_unique("centers", (c.code for c in deployment.centers), path)
    verify_unique("grids", (g.code for g in deployment.grids), path)
    verify_unique("units", (u.code for u in deployment.units), path)
    verify_unique("departments", (d.code for d in deployment.departments), path)
    verify_unique("cameras", (c.id for c in deployment.cameras), path)
    verify_centers(deployment.centers, path)
    verify_references(deployment, path)
    verify_recording(deployment.recording, {c.id for c in deployment.cameras}, path)
