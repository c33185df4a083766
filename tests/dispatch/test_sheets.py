"""CSV and XLSX of a typed table: the BOM, numbers as numbers, local times, formulas kept as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from dispatch.sheets import Sheet, SheetColumn, csv_bytes, sheet_names, xlsx_bytes

COLUMNS = (SheetColumn("编号"), SheetColumn("受理数", "int"), SheetColumn("办结率", "percent"),
           SheetColumn("帧率", "number"), SheetColumn("上报时间", "datetime"), SheetColumn("日期", "date"))
ROWS = [
    ("ZZ-1 文山州", 1234, 0.9372, 12.5, datetime(2026, 11, 30, 16, 5, tzinfo=UTC), date(2026, 12, 1)),
    ("=HYPERLINK(\"http://evil.invalid\",\"点我\")", 0, None, None, None, None),
    ("-1+2", 7, 1.0, 0.0, datetime(2026, 12, 1, 1, 0, tzinfo=UTC), None),
]
SHEET = Sheet("归档 [全部]", COLUMNS, ROWS, notes=("共 3 条",))


def test_csv_starts_with_bom_and_reads_back_in_local_time() -> None:
    data = csv_bytes(SHEET)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "文山州".encode() in data  # UTF-8, not GBK
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in COLUMNS]
    # 16:05 UTC is 00:05 the next day in Asia/Shanghai.
    assert rows[1] == ["ZZ-1 文山州", "1234", "93.72%", "12.5", "2026-12-01 00:05", "2026-12-01"]
    assert rows[2][0].startswith("'=HYPERLINK"), "a formula is neutralised with an apostrophe"
    assert rows[2][1:] == ["0", "", "", "", ""]
    assert rows[3][:4] == ["'-1+2", "7", "100.00%", "0"]
    assert len(rows) == 4


def test_xlsx_has_typed_cells() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([SHEET, SHEET])))
    assert book.sheetnames == ["归档 _全部_", "归档 _全部_ (2)"]
    ws = book.worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == tuple(c.header for c in COLUMNS)
    assert values[1] == ("ZZ-1 文山州", 1234, 0.9372, 12.5, datetime(2026, 12, 1, 0, 5), datetime(2026, 12, 1))
    assert ws["B2"].data_type == "n" and ws["C2"].data_type == "n"
    assert ws["C2"].number_format == "0.00%"
    assert ws["E2"].is_date and ws["E2"].number_format == "yyyy-mm-dd hh:mm"
    # A text that looks like a formula stays the very text, never a formula.
    assert ws["A3"].data_type == "s" and ws["A3"].value == ROWS[1][0]
    assert ws["A4"].value == "-1+2"
    assert values[2][1:] == (0, None, None, None, None)
    assert values[-1] == ("共 3 条", None, None, None, None, None)
    assert ws["A1"].font.bold


def test_control_characters_are_dropped_from_xlsx() -> None:
    sheet = Sheet("t", (SheetColumn("a"),), [("a\x00b\x07c",)])
    ws = load_workbook(io.BytesIO(xlsx_bytes([sheet]))).active
    assert ws["A2"].value == "abc"


def test_rows_must_fit_the_columns() -> None:
    with pytest.raises(ValueError, match="row 0 has 1 cells for 2 columns"):
        Sheet("t", (SheetColumn("a"), SheetColumn("b")), [("x",)])


def test_sheet_names_are_valid_and_distinct() -> None:
    names = sheet_names(["a" * 40, "a" * 40, "x/y:z", ""])
    assert all(len(n) <= 31 for n in names)
    assert len(set(names)) == 4
    assert names[2] == "x_y_z" and names[3] == "Sheet"
