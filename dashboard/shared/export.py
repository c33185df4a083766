"""导出 · every table of the command center downloads as CSV and Excel.

A page describes what it shows as a :class:`dispatch.sheets.Sheet` (headers worded, enums
labelled, times as instants shown in local time, numbers as numbers) and calls
:func:`export_buttons`. The sheet is built only when a button is clicked (Streamlit's deferred
download, on a thread of its own), so a page run pays nothing for it; the builder therefore
captures the language and the filters it needs and never reads the session.

Which rows: those the page shows under the current filters and scope. A paged list exports
every page of its current filter (the buttons' hint says so, with the count), up to
:data:`EXPORT_LIMIT` rows; live tables (cameras) export their figures as of the click.
Nothing secret is exported: no camera address, no password, no token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import streamlit as st

from dashboard.i18n import tr
from dispatch.localtime import TZ
from dispatch.sheets import CSV_MIME, XLSX_MIME, CellKind, Sheet, SheetColumn, csv_bytes, xlsx_bytes

#: The most rows one download holds (a prefecture's whole archive is for the API).
EXPORT_LIMIT = 20_000
#: Rows read per query when collecting the pages of a list.
BATCH = 200

T = TypeVar("T")


def columns(lang: str, *spec: tuple[str, CellKind]) -> tuple[SheetColumn, ...]:
    """Columns from ``(translation key, kind)`` pairs, headers in ``lang``."""
    return tuple(SheetColumn(tr(key, lang), kind) for key, kind in spec)


def every_page(fetch: Callable[[int, int], Sequence[T]], limit: int = EXPORT_LIMIT) -> list[T]:
    """The rows of all pages of a list, ``fetch(offset, count)`` at a time, up to ``limit``."""
    rows: list[T] = []
    while len(rows) < limit:
        batch = fetch(len(rows), min(BATCH, limit - len(rows)))
        rows.extend(batch)
        if len(batch) < BATCH:
            break
    return rows


def file_stem(title: str, scope_code: str, now: datetime | None = None) -> str:
    """``归档_532600_20261201-0930``: what, where, when (local)."""
    stamp = (now or datetime.now(UTC)).astimezone(TZ).strftime("%Y%m%d-%H%M")
    return f"{title}_{scope_code}_{stamp}"


def export_buttons(
    title: str, scope_code: str, build: Callable[[], Sheet], *, key: str, lang: str,
    total: int | None = None,
) -> None:
    """下载 CSV / 下载 Excel for the sheet ``build`` returns when clicked. ``title`` names the
    file (already in ``lang``); ``total`` is how many rows the current filter selects (shown
    in the hint; over :data:`EXPORT_LIMIT` the hint says only the first are exported)."""
    stem = file_stem(title, scope_code)
    if total is None:
        hint = tr("export.hint", lang)
    elif total > EXPORT_LIMIT:
        hint = tr("export.hint_limited", lang, n=f"{total:,}", limit=f"{EXPORT_LIMIT:,}")
    else:
        hint = tr("export.hint_all", lang, n=f"{total:,}")
    with st.container(horizontal=True, gap="small", key=f"export_{key}", width="content"):
        st.download_button(
            tr("export.csv", lang), data=lambda: csv_bytes(build()), file_name=f"{stem}.csv",
            mime=CSV_MIME, key=f"export_{key}_csv", help=hint, on_click="ignore",
            icon=":material/download:", disabled=total == 0,
        )
        st.download_button(
            tr("export.xlsx", lang), data=lambda: xlsx_bytes([build()]), file_name=f"{stem}.xlsx",
            mime=XLSX_MIME, key=f"export_{key}_xlsx", help=hint, on_click="ignore",
            icon=":material/table_view:", disabled=total == 0,
        )


__all__ = ["EXPORT_LIMIT", "columns", "every_page", "export_buttons", "file_stem"]
