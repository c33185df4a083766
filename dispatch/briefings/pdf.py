"""A briefing as a PDF a center prints and sends up (ReportLab, nothing fetched while rendering).

A4 portrait. Every page carries the center and the period in its header and "第 n 页，共 N 页"
in its footer. The document opens with the title, the status (草稿, or who signed and when), the
key figures and the narrative; then each section's charts, drawn as vector graphics (ReportLab
graphics: bars, lines, pies; sharp at any zoom), and its tables (header repeated on every page
a table spans); it ends with the duty officer's conclusion and signature.

The font is a TrueType CJK font embedded as a subset (only the glyphs used): WenQuanYi Micro
Hei from Debian's ``fonts-wqy-microhei`` (Apache 2.0 / GPL with font exception), which has
Latin letters and digits as well. Noto Sans CJK, the interface's font, is a CFF font, which
ReportLab cannot embed; ReportLab's built-in CID font STSong-Light is never embedded and relies
on the reader's own fonts; Droid Sans Fallback has no digits.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from dispatch.briefings.model import Briefing, Chart, Section
from dispatch.briefings.model import Table as BTable
from dispatch.briefings.words import (
    HEADLINE,
    Words,
    baseline_text,
    cell_text,
    column_title,
    kind_name,
    period_text,
    status_text,
    title_text,
)

#: TrueType fonts with both CJK and Latin glyphs, tried in order (Debian's fonts-wqy-microhei,
#: fonts-wqy-zenhei); the first present is embedded. (Droid Sans Fallback has no digits.)
FONT_FILES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
FONT = "ZongzhiCJK"
MIME = "application/pdf"
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
PALETTE = [colors.HexColor(c) for c in ("#2f6fde", "#e8833a", "#3aa76d", "#c0392b", "#8e5bd6",
                                        "#17a2b8", "#b8860b", "#7f8c8d")]
INK = colors.HexColor("#1f2937")
RULE = colors.HexColor("#9ca3af")
HEAD_BG = colors.HexColor("#e5ecf7")
ZEBRA = colors.HexColor("#f6f8fb")
#: Most categories a chart shows (a village-level table of a county runs long; the table has all).
CHART_MAX = 16


@cache
def font_name() -> str:
    """Registers the first CJK TrueType font found and returns its name in this process."""
    for path in FONT_FILES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
            return FONT
    raise RuntimeError(
        "no TrueType CJK font for briefing PDFs: install Debian's fonts-wqy-microhei "
        f"(looked for {', '.join(str(p) for p in FONT_FILES)})"
    )


def _styles() -> dict[str, ParagraphStyle]:
    f = font_name()
    base = ParagraphStyle("base", fontName=f, fontSize=10, leading=15, textColor=INK, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontSize=18, leading=24, spaceAfter=4),
        "sub": ParagraphStyle("sub", base, fontSize=10.5, leading=15, textColor=colors.HexColor("#4b5563")),
        "h2": ParagraphStyle("h2", base, fontSize=13.5, leading=19, spaceBefore=10, spaceAfter=5,
                             textColor=colors.HexColor("#173a7a")),
        "h3": ParagraphStyle("h3", base, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10.5),
        "num": ParagraphStyle("num", base, fontSize=8, leading=10.5, alignment=TA_RIGHT),
        "note": ParagraphStyle("note", base, fontSize=8, leading=11, textColor=colors.HexColor("#6b7280")),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """Text as text: ReportLab reads a small XML markup in paragraphs, so it is escaped."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say how many there are."""

    words: Words
    header: tuple[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        left, right = self.header
        top = A4[1] - MARGIN + 8 * mm
        self.setFont(font_name(), 8.5)
        self.setFillColor(colors.HexColor("#4b5563"))
        self.drawString(MARGIN, top, left)
        self.drawRightString(A4[0] - MARGIN, top, right)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, top - 2.5 * mm, A4[0] - MARGIN, top - 2.5 * mm)
        self.drawCentredString(A4[0] / 2, MARGIN - 10 * mm,
                               self.words.text("brief_page.page_of", n=self._pageNumber, total=total))


def _canvas_maker(words: Words, header: tuple[str, str]) -> type[_NumberedCanvas]:
    return type("BriefingCanvas", (_NumberedCanvas,), {"words": words, "header": header})


# figures and tables ---------------------------------------------------------------------------
def _headline(b: Briefing, words: Words, st: dict[str, ParagraphStyle]) -> Table:
    items = [(words.text(key), cell_text(kind, b.headline.get(name), words))
             for name, key, kind in HEADLINE if name in b.headline]
    per_row = 4
    rows: list[list[Any]] = []
    for i in range(0, len(items), per_row):
        chunk = items[i:i + per_row] + [("", "")] * (per_row - len(items[i:i + per_row]))
        rows.append([_p(value, ParagraphStyle("v", st["base"], fontSize=14, leading=18)) for _, value in chunk])
        rows.append([_p(label, st["note"]) for label, _ in chunk])
    table = Table(rows, colWidths=[WIDTH / per_row] * per_row)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font_name(), 8),  # the cell font; not Helvetica
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f6fb")),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _widths(texts: list[list[str]], size: float) -> list[float]:
    """Column widths from each column's longest text at ``size`` points: columns narrower than
    a fair share keep their width, the others share the rest in proportion (and wrap)."""
    pad = 7
    natural = [min(max(pdfmetrics.stringWidth(r[i], font_name(), size) for r in texts), 220) + pad
               for i in range(len(texts[0]))]
    total = sum(natural)
    if total <= WIDTH:
        return [w * WIDTH / total for w in natural]
    fixed: set[int] = set()
    while True:
        room = WIDTH - sum(natural[i] for i in fixed)
        wide = [i for i in range(len(natural)) if i not in fixed]
        share = room / len(wide)
        narrow = {i for i in wide if natural[i] <= share}
        if not narrow:
            break
        fixed |= narrow
    scale = room / sum(natural[i] for i in wide)
    return [natural[i] if i in fixed else natural[i] * scale for i in range(len(natural))]


def _table(table: BTable, words: Words, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [_p(words.text(table.title), st["h3"])]
    if not table.rows:
        out.append(_p(words.text("brief_page.no_rows"), st["note"]))
        return out
    header = [column_title(c, words) for c in table.columns]
    body = [[cell_text(c.kind, v, words) for c, v in zip(table.columns, row, strict=True)]
            for row in table.rows]
    if table.total is not None:
        total = [cell_text(c.kind, v, words) for c, v in zip(table.columns, table.total, strict=True)]
        if table.total[0] in (None, ""):
            total[0] = words.text("brief_page.total")
        body.append(total)
    numeric = [c.kind in ("int", "rate", "points", "number", "hours", "delta") for c in table.columns]
    grid = [[_p(h, st["num"] if numeric[i] else st["cell"]) for i, h in enumerate(header)]]
    grid += [[_p(v, st["num"] if numeric[i] else st["cell"]) for i, v in enumerate(row)] for row in body]
    t = Table(grid, colWidths=_widths([header, *body], st["cell"].fontSize), repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), font_name(), 8),  # the cell font; not Helvetica
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("BOX", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(grid), 2)]
    if table.total is not None:
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE), ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG)]
    t.setStyle(TableStyle(style))
    out.append(t)
    if table.note:
        out.append(_p(words.text(table.note), st["note"]))
    return out


# charts -----------------------------------------------------------------------------------------
def _series(table: BTable, chart: Chart, words: Words) -> tuple[list[str], list[list[float]], list[str]]:
    col = {c.key: c for c in table.columns}
    cats = [cell_text(col[chart.x].kind, v, words) for v in table.column(chart.x)][:CHART_MAX]
    values = [[float(v) * (100 if col[y].kind == "rate" else 1) if isinstance(v, int | float) else 0.0
               for v in table.column(y)][:CHART_MAX] for y in chart.y]
    names = [column_title(col[y], words) for y in chart.y]
    return [c.replace("综治中心", "") for c in cats], values, names


def _legend(names: Sequence[str], x: float, y: float, *, across: bool = True) -> Legend:
    """Series names beside their colours: in a row (``across``, anchored at its top right)
    or in a column (anchored at its top left)."""
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font_name(), 8
    legend.alignment = "right"
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 4
    legend.columnMaximum = 1 if across else max(1, len(names))
    legend.boxAnchor = "ne" if across else "nw"
    legend.deltax = 12 + max(pdfmetrics.stringWidth(n, font_name(), 8) for n in names) if across else 75
    legend.deltay = 12
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], n) for i, n in enumerate(names)]
    return legend


def _chart(table: BTable, chart: Chart, words: Words) -> Drawing | None:
    cats, values, names = _series(table, chart, words)
    if not cats or not any(any(v) for v in values):
        return None
    height = 62 * mm
    d = Drawing(WIDTH, height)
    d.initialFontName, d.initialFontSize = font_name(), 8  # not Helvetica, which is not embedded
    d.add(String(0, height - 10, words.text(chart.title), fontName=font_name(), fontSize=10, fillColor=INK))
    if chart.type == "pie":
        kept = [(c, v) for c, v in zip(cats, values[0], strict=True) if v]  # no empty slices
        cats, values = [c for c, _ in kept], [[v for _, v in kept]]
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 10, 8, height - 30, height - 30
        pie.data = values[0]
        pie.labels = None
        pie.simpleLabels = 1
        pie.slices.strokeColor = colors.white
        for i in range(len(cats)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
        d.add(pie)
        shares = sum(values[0]) or 1
        d.add(_legend([f"{c}  {v:g} ({v / shares:.0%})" for c, v in zip(cats, values[0], strict=True)],
                      height, height - 24, across=False))
        return d
    plot = HorizontalLineChart() if chart.type == "line" else VerticalBarChart()
    plot.x, plot.y = 32, 34
    plot.width, plot.height = WIDTH - 44, height - 62
    plot.data = values
    plot.categoryAxis.categoryNames = cats
    labels = plot.categoryAxis.labels
    labels.fontName, labels.fontSize = font_name(), 7
    if len(cats) > 6:
        labels.angle, labels.boxAnchor, labels.dy = 30, "ne", -2
    plot.valueAxis.labels.fontName = font_name()
    plot.valueAxis.labels.fontSize = 7
    plot.valueAxis.valueMin = 0
    top = max(max(v) for v in values)
    if top <= 5 and all(float(x).is_integer() for v in values for x in v):
        plot.valueAxis.valueStep = 1  # counts: no 0.2 of a case
    plot.valueAxis.visibleGrid = True
    plot.valueAxis.gridStrokeColor = colors.HexColor("#e5e7eb")
    for i in range(len(values)):
        if isinstance(plot, VerticalBarChart):
            plot.bars[i].fillColor = PALETTE[i % len(PALETTE)]
            plot.bars[i].strokeColor = None
        else:
            plot.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
            plot.lines[i].strokeWidth = 1.5
    d.add(plot)
    d.add(_legend(names, WIDTH, height - 4))
    return d


def _section(section: Section, words: Words, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Charts, then tables. Each chart, and each short table with its title, is kept on one
    page; a long table breaks with its header repeated. The section's title goes with the
    first of them, so it never ends a page alone."""
    blocks: list[tuple[list[Flowable], bool]] = []  # (flowables, keep together)
    for chart in section.charts:
        try:
            drawing = _chart(section.table(chart.table), chart, words)
        except KeyError:
            continue
        if drawing is not None:
            blocks.append(([drawing, Spacer(1, 3 * mm)], True))
    for table in section.tables:
        blocks.append(([*_table(table, words, st), Spacer(1, 3 * mm)], len(table.rows) < 12))
    heading = _p(words.text(section.title), st["h2"])
    if not blocks:
        return [heading]
    (first, keep), rest = blocks[0], blocks[1:]
    out: list[Flowable] = [KeepTogether([heading, *first]) if keep else KeepTogether([heading, *first[:2]])]
    if not keep:
        out += first[2:]
    for flows, together in rest:
        out += [KeepTogether(flows)] if together else flows
    return out


def _signature(b: Briefing, words: Words, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(45 * mm), _p(words.text("brief_page.conclusion"), st["h2"])]
    if b.signature is None:
        out.append(_p(words.text("brief_page.unsigned_note"), st["note"]))
        return out
    out.append(_p(b.signature.conclusion, st["base"]))
    out.append(Spacer(1, 4 * mm))
    out.append(_p(status_text(b, words), st["sub"]))
    return out


def render_pdf(briefing: Briefing, words: Words) -> bytes:
    """The briefing as an A4 PDF in ``words``' language."""
    st = _styles()
    title = title_text(briefing, words)
    period = period_text(briefing, words)
    header = (briefing.center.name, f"{kind_name(briefing, words)} · {period}")
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN, title=title, author=briefing.center.name, subject=period,
        creator="zongzhi", lang=words.lang,
        # Every page starts in the embedded font: no Helvetica left for the reader to supply.
        initialFontName=font_name(), initialFontSize=10,
    )
    story: list[Flowable] = [
        _p(title, st["title"]),
        _p(words.text("brief_page.period_line", period=period,
                      generated=cell_text("datetime", briefing.generated_at, words)), st["sub"]),
        _p(status_text(briefing, words), st["sub"]),
        *((_p(base, st["sub"]),) if (base := baseline_text(briefing, words)) else ()),
        Spacer(1, 4 * mm),
        _headline(briefing, words, st),
        Spacer(1, 4 * mm),
        _p(briefing.narrative.get(words.lang) or briefing.narrative.get("zh-CN", ""), st["base"]),
    ]
    for section in briefing.sections:
        story += _section(section, words, st)
    story += _signature(briefing, words, st)
    doc.build(story, canvasmaker=_canvas_maker(words, header))
    return out.getvalue()


__all__ = ["FONT_FILES", "MIME", "font_name", "render_pdf"]
