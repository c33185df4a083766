"""A briefing as an Excel workbook: a summary sheet, then one sheet per table.

The summary sheet holds the center, kind, period, status (signer and time once signed), the
narrative and the conclusion; the figures sheet the key figures, one typed cell each. Every table of every section follows on a sheet
of its own, titled as in the document, with its total row and note; counts are numeric cells,
rates fractions formatted ``0.00%`` (the cell reads 93.72% and sums as a number), dates and
times date cells in local time, enumerations named (:mod:`dispatch.sheets` writes them).
"""

from __future__ import annotations

from dispatch.briefings.model import Briefing, Table
from dispatch.briefings.words import (
    HEADLINE,
    Words,
    baseline_text,
    cell_text,
    cell_value,
    column_title,
    kind_name,
    period_text,
    sheet_kind,
    status_text,
)
from dispatch.sheets import Sheet, SheetColumn, xlsx_bytes


def summary_sheet(b: Briefing, words: Words) -> Sheet:
    """What the document is: center, kind, period, status, narrative and conclusion."""
    text = words.text
    rows: list[tuple[object, ...]] = [
        (text("brief_page.center"), b.center.name),
        (text("brief_page.kind"), kind_name(b, words)),
        (text("brief_page.period"), period_text(b, words)),
        (text("brief_page.status"), status_text(b, words)),
        (text("brief_page.generated"), cell_text("datetime", b.generated_at, words)),
        (text("brief_page.narrative"), b.narrative.get(words.lang) or b.narrative.get("zh-CN", "")),
    ]
    if base := baseline_text(b, words):
        rows.append((text("brief_page.baseline"), base))
    if b.signature is not None:
        rows.append((text("brief_page.conclusion"), b.signature.conclusion))
    columns = (SheetColumn(text("brief_page.field")), SheetColumn(text("brief_page.value")))
    return Sheet(text("brief_page.summary"), columns, rows)


def figures_sheet(b: Briefing, words: Words) -> Sheet:
    """The key figures as one row of typed cells (counts integers, rates percentages)."""
    shown = [(name, key, kind) for name, key, kind in HEADLINE if name in b.headline]
    columns = tuple(SheetColumn(words.text(key), sheet_kind(kind)) for _, key, kind in shown)
    return Sheet(words.text("brief_page.figures"), columns, [tuple(b.headline[name] for name, _, _ in shown)])


def table_sheet(table: Table, words: Words) -> Sheet:
    columns = tuple(SheetColumn(column_title(c, words), sheet_kind(c.kind)) for c in table.columns)
    rows = [tuple(cell_value(c.kind, v, words) for c, v in zip(table.columns, row, strict=True))
            for row in table.rows]
    if table.total is not None:
        total = [cell_value(c.kind, v, words) for c, v in zip(table.columns, table.total, strict=True)]
        if total[0] in (None, ""):
            total[0] = words.text("brief_page.total")
        rows.append(tuple(total))
    notes = (words.text(table.note),) if table.note else ()
    return Sheet(words.text(table.title), columns, rows, notes)


def render_xlsx(briefing: Briefing, words: Words) -> bytes:
    """The workbook in ``words``' language."""
    tables = [table_sheet(t, words) for t in briefing.tables()]
    return xlsx_bytes([summary_sheet(briefing, words), figures_sheet(briefing, words), *tables])


__all__ = ["figures_sheet", "render_xlsx", "summary_sheet", "table_sheet"]
