"""Tables as files a spreadsheet opens: CSV (UTF-8 with a byte-order mark) and XLSX.

One writer for every export of the product: the lists of the command center (desk queues,
archive, alerts, cameras, analysis) and the tables of a briefing. A :class:`Sheet` holds
headers already worded and cells of plain values; a column's ``kind`` decides the cell's type:

* ``text`` — a string (``None`` empty); a text that a spreadsheet would run as a formula
  (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is kept as text: in XLSX the cell is
  typed as a string, in CSV it gets a leading apostrophe (OWASP's advice against CSV injection);
* ``int`` / ``number`` — numbers as numbers (XLSX numeric cells, CSV digits);
* ``percent`` — a fraction (0.9372); XLSX keeps the fraction with the format ``0.00%``, CSV
  writes ``93.72%`` (Excel reads that back as the number);
* ``datetime`` — an aware instant, written in the configured local zone (XLSX a date-time
  cell ``yyyy-mm-dd hh:mm``, CSV ``2026-12-01 09:30``); ``date`` — a local date.

CSV starts with the UTF-8 byte-order mark: without it Excel on Chinese Windows reads the
file as GBK and shows mojibake.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dispatch.localtime import TZ

CellKind = Literal["text", "int", "number", "percent", "datetime", "date"]
Value = str | int | float | datetime | date | None

BOM = "\ufeff"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
#: What a spreadsheet reads as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters Excel refuses in a sheet name.
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_FORMATS: dict[str, str] = {
    "int": "0", "number": "0.00", "percent": "0.00%", "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd",
}
_WIDTH = {"int": 10, "number": 12, "percent": 11, "datetime": 17, "date": 12}


@dataclass(frozen=True)
class SheetColumn:
    """A column: its header (already in the reader's language) and its cells' kind."""

    header: str
    kind: CellKind = "text"


@dataclass(frozen=True)
class Sheet:
    """A titled table of rows (``len(row) == len(columns)``) and optional lines under it."""

    title: str
    columns: tuple[SheetColumn, ...]
    rows: Sequence[Sequence[Value]]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"sheet {self.title!r}: row {i} has {len(row)} cells for {width} columns")


def local(ts: datetime) -> datetime:
    """An aware instant as naive local wall time (spreadsheets know no zones)."""
    return ts.astimezone(TZ).replace(tzinfo=None) if ts.tzinfo else ts


def text_cell(value: Value, kind: CellKind) -> str:
    """A cell as CSV text."""
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.2f}%"
    if kind == "number" and isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")  # as the page shows it, 2 decimals at most
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if kind == "text" and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet as CSV: BOM, a header row, one line per row (CRLF, as Excel writes)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([text_cell(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
    return out.getvalue().encode("utf-8")


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names (at most 31 characters, no ``[]:*?/\\``)."""
    names: list[str] = []
    for title in titles:
        base = _SHEET_NAME.sub("_", title).strip("'") or "Sheet"
        name, n = base[:31], 1
        while name.lower() in (x.lower() for x in names):
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        names.append(name)
    return names


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """One worksheet per sheet: a bold header row, typed cells, notes below the rows."""
    book = Workbook(write_only=True)
    for sheet, name in zip(sheets, sheet_names([s.title for s in sheets]), strict=True):
        ws = book.create_sheet(name)
        for i, col in enumerate(sheet.columns, start=1):
            width = max(_WIDTH.get(col.kind, 14), min(40, 2 * len(col.header) + 2))
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=_clean(col.header))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(ws, v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
        if sheet.notes:
            ws.append([])
            for note in sheet.notes:
                ws.append([_string(ws, note)])
    if not sheets:
        book.create_sheet("Sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _string(ws: object, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_clean(text))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _cell(ws: object, value: Value, kind: CellKind) -> WriteOnlyCell | None:
    if value is None:
        return None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=local(value))
    elif isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
    elif isinstance(value, int | float) and kind != "text":
        cell = WriteOnlyCell(ws, value=value)
    else:
        return _string(ws, str(value))
    if kind in _FORMATS:
        cell.number_format = _FORMATS[kind]
    return cell


__all__ = ["CSV_MIME", "XLSX_MIME", "CellKind", "Sheet", "SheetColumn", "csv_bytes", "text_cell",
           "xlsx_bytes"]
