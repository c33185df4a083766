"""How a briefing reads in one language, for every renderer (the 研判 page, the PDF, the XLSX).

A stored briefing holds translation keys and plain cells (:mod:`.model`). The wording itself is
the command center's one translation table, which lives with the interface; renderers here
receive it as :class:`Words` (the composition root passes ``dashboard.i18n``'s), so ``dispatch``
still imports nothing of the dashboard. :func:`cell_text` shows a cell as people read it;
:func:`cell_value` gives the value a spreadsheet keeps (numbers as numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from dispatch.briefings.model import Briefing, Cell, Column, Status
from dispatch.localtime import TZ
from dispatch.sheets import CellKind, Value


class Words(Protocol):
    """The translation table in one language."""

    @property
    def lang(self) -> str: ...

    def text(self, key: str, /, **params: object) -> str:
        """``key`` worded, placeholders filled."""
        ...

    def label(self, group: str, value: str | None) -> str:
        """A stored enumeration value's name (``label("kind", "dispute")`` → 矛盾纠纷)."""
        ...


#: Words in a language, as the API is given it (``lang`` → :class:`Words`).
WordsFor = Callable[[str], Words]

#: The key figures a document opens with: (headline name, translation key, column kind).
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("reported", "kpi.reported", "int"),
    ("accepted", "kpi.accepted", "int"),
    ("closed", "kpi.closed", "int"),
    ("overdue", "kpi.overdue", "int"),
    ("closure_rate", "kpi.closure_rate", "rate"),
    ("on_time_rate", "kpi.on_time_rate", "rate"),
    ("rework_rate", "kpi.rework_rate", "rate"),
    ("satisfaction_broad_rate", "kpi.satisfaction_broad_rate", "rate"),
    ("new_high_risk", "brief_page.h.new_high_risk", "int"),
    ("high_risk_open", "brief_page.h.high_risk_open", "int"),
    ("escalations", "brief_page.h.escalations", "int"),
    ("supervisions", "brief_page.h.supervisions", "int"),
    ("urges", "brief_page.h.urges", "int"),
    ("notices", "brief_page.h.notices", "int"),
    ("camera_availability", "brief_page.h.camera_availability", "rate"),
)


def local_date(iso: str) -> date:
    return date.fromisoformat(iso)


def local_instant(iso: str) -> datetime:
    """An ISO UTC instant in the configured zone."""
    return datetime.fromisoformat(iso).astimezone(TZ)


def cell_text(kind: str, value: Cell, words: Words) -> str:
    """A cell as the documents print it: rates with two decimals (93.72%), changes signed,
    local dates and times, enumerations named, an em dash for nothing."""
    if value is None or value == "":
        return "—"
    if kind.startswith("enum:"):
        return words.label(kind.removeprefix("enum:"), str(value))
    if kind == "rate" and isinstance(value, int | float):
        return f"{value * 100:.2f}%"
    if kind == "points" and isinstance(value, int | float):
        points = value * 100
        return f"+{points:.2f}" if points > 0 else f"{points:.2f}"
    if kind == "delta" and isinstance(value, int | float):
        return f"+{value:g}" if value > 0 else f"{value:g}"
    if kind in ("number", "hours") and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind == "date" and isinstance(value, str):
        return local_date(value).isoformat()
    if kind == "datetime" and isinstance(value, str):
        return local_instant(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


_SHEET_KIND: dict[str, CellKind] = {
    "int": "int", "delta": "int", "rate": "percent", "points": "number", "number": "number", "hours": "number",
    "date": "date", "datetime": "datetime",
}


def sheet_kind(kind: str) -> CellKind:
    return _SHEET_KIND.get(kind, "text")


def cell_value(kind: str, value: Cell, words: Words) -> Value:
    """A cell as a spreadsheet keeps it: counts and rates as numbers (rates as fractions,
    formatted 0.00%), dates and times as date cells, enumerations named."""
    if value is None or (value == "" and kind != "text"):
        return None
    if kind.startswith("enum:"):
        return words.label(kind.removeprefix("enum:"), str(value))
    if kind == "points" and isinstance(value, int | float):
        return value * 100  # percentage points, as the document prints them
    if kind == "date" and isinstance(value, str):
        return local_date(value)
    if kind == "datetime" and isinstance(value, str):
        return local_instant(value)
    return value


def column_title(column: Column, words: Words) -> str:
    return words.text(column.label)


def kind_name(briefing: Briefing, words: Words) -> str:
    """日小结, 周研判, 月研判, 季度研判."""
    return words.text(f"brief_page.kind.{briefing.kind.value}")


def period_text(briefing: Briefing, words: Words) -> str:
    """The period as dates people read: one day, or first and last day (the end is exclusive)."""
    first = local_date(briefing.period_start)
    last = date.fromordinal(local_date(briefing.period_end).toordinal() - 1)
    if first == last:
        return first.isoformat()
    return words.text("brief_page.period_range", start=first.isoformat(), end=last.isoformat())


def status_text(briefing: Briefing, words: Words) -> str:
    """草稿, or 已签发 · 签发人 · 时间."""
    sig = briefing.signature
    if briefing.status != Status.SIGNED or sig is None:
        return words.text("brief_page.status.draft")
    who = sig.signer_name or sig.signer
    return words.text("brief_page.signed_line", who=who, time=cell_text("datetime", sig.signed_at, words))


def baseline_text(briefing: Briefing, words: Words) -> str:
    """Which baseline the register's changes are counted from: the last signed briefing of
    the center and kind (its period, when it was signed and when its register was taken), or
    the previous period when none was signed. Empty for a briefing stored before baselines."""
    base = briefing.extra.get("baseline")
    if not isinstance(base, dict):
        return ""
    kind = kind_name(briefing, words)
    at = cell_text("datetime", base.get("at"), words)
    if base.get("source") == "signed" and base.get("period_start") and base.get("period_end"):
        first = local_date(str(base["period_start"]))
        last = date.fromordinal(local_date(str(base["period_end"])).toordinal() - 1)
        period = first.isoformat() if first == last else words.text(
            "brief_page.period_range", start=first.isoformat(), end=last.isoformat()
        )
        return words.text("brief_page.baseline.signed", period=period, kind=kind, at=at,
                          signed=cell_text("datetime", base.get("signed_at"), words))
    return words.text("brief_page.baseline.previous_period", kind=kind, at=at)


def title_text(briefing: Briefing, words: Words) -> str:
    """文山州综治中心 周研判."""
    return words.text("brief_page.doc_title", center=briefing.center.name, kind=kind_name(briefing, words))


__all__ = ["HEADLINE", "Words", "WordsFor", "baseline_text", "cell_text", "cell_value", "column_title", "kind_name",
           "period_text", "sheet_kind", "status_text", "title_text"]
