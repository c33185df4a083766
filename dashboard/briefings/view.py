"""One briefing on screen: title, status, key figures, narrative, each section's charts and
tables, the conclusion; the PDF and Excel downloads. Every cell is worded as the documents
word it (:func:`dispatch.briefings.words.cell_text`): rates 93.72%, local times, names of
enumerations, an em dash for nothing."""

from __future__ import annotations

import streamlit as st

from dashboard.briefings.charts import figure
from dashboard.i18n import tr
from dashboard.shared.chrome import text_heading
from dashboard.shared.text import md
from dispatch.briefings.model import Briefing, Kind, Section, Table
from dispatch.briefings.pdf import MIME as PDF_MIME
from dispatch.briefings.pdf import render_pdf
from dispatch.briefings.words import (
    HEADLINE,
    Words,
    baseline_text,
    cell_text,
    column_title,
    period_text,
    status_text,
    title_text,
)
from dispatch.briefings.xlsx import render_xlsx
from dispatch.sheets import XLSX_MIME


def kind_key(key: str, kind: Kind) -> str:
    """The page's words for this kind of briefing: a 日小结 is a 小结 (本小结 PDF), the
    assessments are 研判 (本研判 PDF)."""
    return f"{key}.daily" if kind == Kind.DAILY else key


def downloads(b: Briefing, words: Words) -> None:
    """下载 PDF / 下载 Excel, rendered when clicked (the page run pays nothing)."""
    stem = f"{b.center.name}{tr(f'brief_page.kind.{b.kind.value}', words.lang)}_{b.period_start}"
    with st.container(horizontal=True, gap="small", key="brief_downloads"):
        st.download_button(tr(kind_key("brief_page.download_pdf", b.kind), words.lang),
                           data=lambda: render_pdf(b, words),
                           file_name=f"{stem}.pdf", mime=PDF_MIME, key="brief_pdf", on_click="ignore",
                           icon=":material/picture_as_pdf:")
        st.download_button(tr(kind_key("brief_page.download_xlsx", b.kind), words.lang),
                           data=lambda: render_xlsx(b, words),
                           file_name=f"{stem}.xlsx", mime=XLSX_MIME, key="brief_xlsx", on_click="ignore",
                           icon=":material/table_view:")


def metric_label(text: str) -> tuple[str, str | None]:
    """A headline figure's label and its tooltip: a parenthesised definition (满意率（满意+基本
    满意）) would be cut in a seventh of the page, so it moves to the figure's help."""
    for mark in ("（", " ("):
        short, found, _ = text.partition(mark)
        if found and short:
            return short, text
    return text, None


def headline(b: Briefing, words: Words) -> None:
    shown = [(key, kind, b.headline[name]) for name, key, kind in HEADLINE if name in b.headline]
    for start in range(0, len(shown), 7):
        cols = st.columns(7)
        for col, (key, kind, value) in zip(cols, shown[start:start + 7], strict=False):
            label, help_text = metric_label(tr(key, words.lang))
            col.metric(md(label), cell_text(kind, value, words),
                       help=None if help_text is None else md(help_text))


def table_rows(table: Table, words: Words) -> list[dict[str, str]]:
    """The table as worded rows (with its total row, named 合计)."""
    titles = [column_title(c, words) for c in table.columns]
    rows = [*table.rows, *((table.total,) if table.total is not None else ())]
    out = [{t: cell_text(c.kind, v, words) for t, c, v in zip(titles, table.columns, row, strict=True)}
           for row in rows]
    if table.total is not None and table.total[0] in (None, ""):
        out[-1][titles[0]] = tr("brief_page.total", words.lang)
    return out


def section(s: Section, words: Words) -> None:
    st.subheader(tr(s.title, words.lang), divider="gray")
    charts = [(c, figure(s.table(c.table), c, words)) for c in s.charts]
    drawn = [(c, f) for c, f in charts if f is not None]
    for i in range(0, len(drawn), 2):
        cols = st.columns(2)
        for col, (chart, fig) in zip(cols, drawn[i:i + 2], strict=False):
            col.plotly_chart(fig, key=f"brief_chart_{s.key}_{chart.key}")
    for table in s.tables:
        st.markdown(f"**{md(tr(table.title, words.lang))}**")
        if not table.rows:
            st.caption(tr("brief_page.no_rows", words.lang))
            continue
        st.dataframe(table_rows(table, words), hide_index=True, width="stretch",
                     key=f"brief_table_{s.key}_{table.key}")
        if table.note:
            st.caption(tr(table.note, words.lang))


def show(b: Briefing, words: Words) -> None:
    text_heading(title_text(b, words))
    st.caption(md(words.text("brief_page.caption", period=period_text(b, words), status=status_text(b, words))))
    if base := baseline_text(b, words):
        st.caption(md(base))
    downloads(b, words)
    headline(b, words)
    st.text(b.narrative.get(words.lang) or b.narrative.get("zh-CN", ""))
    for s in b.sections:
        section(s, words)
    if b.signature is not None:
        st.subheader(tr("brief_page.conclusion", words.lang), divider="gray")
        st.text(b.signature.conclusion)
        st.caption(md(status_text(b, words)))


__all__ = ["downloads", "show", "table_rows"]
