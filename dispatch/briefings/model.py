"""The briefing document as data: what a 日小结 / 周研判 holds, JSON-serialisable both ways.

A :class:`Briefing` is generated from the database (:func:`dispatch.briefings.generate`),
shown, exported (PDF, XLSX) and, once signed, stored as its JSON (:meth:`Briefing.to_dict`)
and never recomputed. Everything a renderer needs is in it: tables of plain values, the
charts drawn from those tables, the narrative in both languages and the signature.

Labels are translation keys (``brief.…`` in ``dashboard/i18n/table_briefings.py``), never
text, so one stored briefing renders in Chinese and in English. Cells hold plain values
only: ``str``, ``int``, ``float`` (rates as fractions, 0.9372 for 93.72 %) or ``None``
(a rate without a denominator, shown as "—"). A column's ``kind`` says how to show its
cells; an ``enum:<group>`` column holds stored enumeration values the renderer translates
with ``dashboard.i18n.label(group, value, lang)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any

#: One cell of a table.
Cell = str | int | float | None

#: Version of the stored JSON shape; a reader refuses a newer one.
SCHEMA_VERSION = 1


class Kind(StrEnum):
    """What a briefing covers: one local day, a Monday-to-Sunday week, a month, a quarter."""

    DAILY = "daily"  # 日小结
    WEEKLY = "weekly"  # 周研判
    MONTHLY = "monthly"  # 月研判
    QUARTERLY = "quarterly"  # 季度研判


class Status(StrEnum):
    DRAFT = "draft"  # generated, may be regenerated
    SIGNED = "signed"  # signed off: immutable


#: How a column's cells are shown. ``enum:<group>`` columns are translated by group.
COLUMN_KINDS = frozenset(
    {"text", "int", "rate", "points", "number", "hours", "date", "datetime", "delta"}
)


@dataclass(frozen=True)
class Column:
    """A table column: its key, its label (translation key) and how its cells are shown.

    ``kind``: ``text``; ``int`` (a count); ``rate`` (a fraction shown as a percentage with two
    decimals, 93.72 %); ``points`` (a difference of two rates as a fraction, shown in
    percentage points with its sign, +1.23); ``number`` (a float); ``hours``; ``date`` (ISO local date
    ``2026-11-30``); ``datetime`` (ISO UTC instant, shown in local time); ``delta`` (a
    signed change of a count, shown with its sign); ``enum:<group>`` (a stored value such
    as ``kind`` / ``channel`` / ``risk`` / ``state`` / ``level`` / ``camera_status``).
    """

    key: str
    label: str
    kind: str = "int"

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS and not self.kind.startswith("enum:"):
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    """A named table: columns and rows of plain cells (``len(row) == len(columns)``).

    ``total`` is an optional last row of sums shown apart from the rows (not sorted with
    them). ``note`` is a translation key of a line printed under the table.
    """

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()
    total: tuple[Cell, ...] | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in (*self.rows, *((self.total,) if self.total is not None else ())):
            if len(row) != width:
                raise ValueError(f"table {self.key!r}: a row of {len(row)} cells for {width} columns")

    def column(self, key: str) -> list[Cell]:
        """The cells of column ``key``, row by row."""
        i = [c.key for c in self.columns].index(key)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict[str, Cell]]:
        """The rows as ``{column key: cell}``."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Chart:
    """A chart drawn from one table of the same section: ``x`` names the category column,
    ``y`` the value columns (one series each). ``type``: ``bar``, ``line`` or ``pie``."""

    key: str
    title: str
    table: str
    x: str
    y: tuple[str, ...]
    type: str = "bar"


@dataclass(frozen=True)
class Section:
    """A part of the briefing (e.g. ``flow``, ``risk``, ``supervision``, ``cameras``)."""

    key: str
    title: str
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(f"section {self.key!r} has no table {key!r}")


@dataclass(frozen=True)
class CenterRef:
    code: str
    name: str
    level: int
    path: str


@dataclass(frozen=True)
class Signature:
    """Who signed the briefing off (account name and display name) and when (ISO UTC
    instant), with the conclusion they wrote."""

    signer: str
    signed_at: str
    conclusion: str = ""
    signer_name: str = ""


@dataclass(frozen=True)
class Briefing:
    """One briefing of one center for one period.

    ``period_start`` / ``period_end`` are ISO local dates, the end exclusive (a daily briefing
    of 30 November has ``2026-11-30`` / ``2026-12-01``). ``generated_at`` is an ISO UTC instant.
    ``headline`` holds the key figures the narrative quotes, by name (the same names and
    meanings as ``GET /api/kpis``: ``reported``, ``accepted``, ``closed``, ``overdue``,
    ``closure_rate``, ``on_time_rate``, ``rework_rate``, ``satisfaction_broad_rate`` …).
    ``narrative`` maps a language (``zh-CN``, ``en``) to the generated text; ``conclusion``
    is the duty officer's own text, set when signing. ``id`` is ``None`` until stored.
    ``extra["version"]`` of a stored briefing is its row version: pass it when signing so a
    draft generated again meanwhile is not signed unseen.
    """

    kind: Kind
    center: CenterRef
    period_start: str
    period_end: str
    generated_at: str
    headline: dict[str, Cell]
    sections: tuple[Section, ...]
    narrative: dict[str, str]
    id: int | None = None
    status: Status = Status.DRAFT
    generated_by: str = "system"
    signature: Signature | None = None
    schema: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def conclusion(self) -> str:
        return self.signature.conclusion if self.signature else ""

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"briefing has no section {key!r}")

    def tables(self) -> list[Table]:
        """Every table, section by section (one XLSX sheet each)."""
        return [t for s in self.sections for t in s.tables]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (what the API answers and what a signed briefing stores): plain
        dicts, lists, strings, numbers and None."""
        out = _plain(self)
        out["kind"] = self.kind.value
        out["status"] = self.status.value
        out["conclusion"] = self.conclusion
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Briefing:
        """Read back :meth:`to_dict`'s form; ValueError on a newer schema."""
        if int(data.get("schema", 1)) > SCHEMA_VERSION:
            raise ValueError(f"briefing schema {data['schema']} is newer than {SCHEMA_VERSION}")
        sections = tuple(
            Section(
                key=s["key"],
                title=s["title"],
                tables=tuple(_table(t) for t in s.get("tables", ())),
                charts=tuple(
                    Chart(c["key"], c["title"], c["table"], c["x"], tuple(c["y"]), c.get("type", "bar"))
                    for c in s.get("charts", ())
                ),
            )
            for s in data["sections"]
        )
        sig = data.get("signature")
        return cls(
            kind=Kind(data["kind"]),
            center=CenterRef(**data["center"]),
            period_start=data["period_start"],
            period_end=data["period_end"],
            generated_at=data["generated_at"],
            headline=dict(data["headline"]),
            sections=sections,
            narrative=dict(data["narrative"]),
            id=data.get("id"),
            status=Status(data.get("status", "draft")),
            generated_by=data.get("generated_by", "system"),
            signature=Signature(**sig) if sig else None,
            schema=int(data.get("schema", SCHEMA_VERSION)),
            extra=dict(data.get("extra") or {}),
        )


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """Dataclasses as dicts of their fields, tuples as lists, recursively (the form JSON
    gives back): ``dataclasses.asdict`` with tuples as lists, without its deep copy of every
    cell (cells are immutable), which cost most of the time of storing a briefing."""
    if isinstance(value, str | int | float) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    names = _FIELDS.get(type(value))
    if names is None and is_dataclass(value):
        names = _FIELDS[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        return {n: _plain(getattr(value, n)) for n in names}
    return copy.deepcopy(value)


def _table(t: dict[str, Any]) -> Table:
    return Table(
        key=t["key"],
        title=t["title"],
        columns=tuple(Column(**c) for c in t["columns"]),
        rows=tuple(tuple(r) for r in t["rows"]),
        total=tuple(t["total"]) if t.get("total") is not None else None,
        note=t.get("note"),
    )
