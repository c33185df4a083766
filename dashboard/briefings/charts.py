"""A briefing's charts on screen (plotly), drawn from the same :class:`Chart` specs and tables
the PDF draws from; categories are worded like the tables (enumerations named, dates local)."""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from dashboard.analysis.charts import DARK
from dispatch.briefings.model import Chart, Table
from dispatch.briefings.words import Words, cell_text, column_title

PALETTE = ("#3fb6ff", "#f5b83d", "#27c281", "#ff6b6b", "#b45cff", "#17a2b8", "#d4a017", "#9aa7b8")


def figure(table: Table, chart: Chart, words: Words) -> go.Figure | None:
    """The chart, or None when it has nothing to show (no rows, all zero)."""
    columns = {c.key: c for c in table.columns}
    # Plotly reads labels as its small HTML: names from the deployment are escaped.
    cats = [escape(cell_text(columns[chart.x].kind, v, words).replace("综治中心", ""))
            for v in table.column(chart.x)]
    series = []
    for key in chart.y:
        scale = 100 if columns[key].kind == "rate" else 1
        series.append((escape(column_title(columns[key], words)),
                       [v * scale if isinstance(v, int | float) else None for v in table.column(key)]))
    if not cats or not any(v for _, values in series for v in values):
        return None
    if chart.type == "pie":
        name, values = series[0]
        kept = [(c, v) for c, v in zip(cats, values, strict=True) if v]
        fig = go.Figure(go.Pie(labels=[c for c, _ in kept], values=[v for _, v in kept], hole=0.4,
                               sort=False, marker=dict(colors=list(PALETTE))))
    elif chart.type == "line":
        fig = go.Figure([go.Scatter(x=cats, y=values, name=name, mode="lines+markers",
                                    line=dict(color=PALETTE[i % len(PALETTE)]))
                         for i, (name, values) in enumerate(series)])
    else:
        fig = go.Figure([go.Bar(x=cats, y=values, name=name, marker_color=PALETTE[i % len(PALETTE)])
                         for i, (name, values) in enumerate(series)])
        fig.update_layout(barmode="group")
    fig.update_layout(title=escape(words.text(chart.title)), height=360, **DARK)
    return fig


__all__ = ["figure"]
