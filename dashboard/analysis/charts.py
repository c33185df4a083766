"""Figures of the analysis page (态势分析) for a scope and period, and their plotly charts.

Case figures are the dispatch KPIs (:func:`dispatch.kpi.compute_kpis`: totals, children,
daily trend, level shares, open by risk in one call); cameras and map points come from
:mod:`dispatch.cameras`. Charts are plain plotly figures without map tiles: the grid map plots longitude against
latitude on a blank canvas, so nothing is fetched from the internet.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from html import escape
from typing import Any

import plotly.graph_objects as go
from sqlalchemy.orm import Session

from dashboard.i18n import label, tr
from dashboard.shared.export import columns
from dispatch.cameras import CameraPoint, CenterPoint
from dispatch.kpi import compute_kpis
from dispatch.scopes import CenterRef
from dispatch.sheets import Sheet
from dispatch.types import OPEN_STATES, SATISFIED_VALUES

DARK = dict(
    template="plotly_dark", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="#0b1220",
    font=dict(family="Noto Sans SC, sans-serif", size=14), margin=dict(l=40, r=20, t=50, b=40),
)
LEVEL_COLORS = {1: "#ff6b6b", 2: "#f5b83d", 3: "#3fb6ff", 4: "#27c281"}
STATUS_COLORS = {"online": "#27c281", "degraded": "#f5b83d", "offline": "#ff4d4f",
                 "tampered": "#b45cff", "unknown": "#7a8aa3"}
_OPEN = [s.value for s in OPEN_STATES]
_SATISFIED = [s.value for s in SATISFIED_VALUES]


def kpis(session: Session, scope: CenterRef, days: int, now: datetime) -> dict[str, Any]:
    """The dispatch KPIs of the scope over the last ``days`` local days (with children, trend)."""
    return compute_kpis(session, scope.path, now - timedelta(days=days - 1), now, now=now)


def percent(rate: float | None) -> str:
    """A rate as people read it; "—" when there was nothing to divide (never 100%)."""
    return "—" if rate is None else f"{rate:.1%}"


#: The KPI table by lower center: (field, translation key, kind), in the table's order.
CHILD_COLUMNS = (
    ("name", "analysis.center", "text"), ("reported", "kpi.reported", "int"), ("closed", "kpi.closed", "int"),
    ("closure_rate", "kpi.closure_rate", "percent"), ("on_time_rate", "kpi.on_time_rate", "percent"),
    ("satisfaction_strict_rate", "kpi.satisfaction_strict_rate", "percent"),
    ("satisfaction_broad_rate", "kpi.satisfaction_broad_rate", "percent"),
    ("rework_rate", "kpi.rework_rate", "percent"), ("extension_rate", "kpi.extension_rate", "percent"),
    ("return_rate", "kpi.return_rate", "percent"),
    ("open", "kpi.open", "int"), ("overdue", "kpi.overdue", "int"),
)


def child_rows(children: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The table by lower center as the page shows it: headers worded, rates as percentages."""
    return [{tr(key, lang): percent(c[field]) if kind == "percent" else c[field]
             for field, key, kind in CHILD_COLUMNS} for c in children]


def child_sheet(children: list[dict[str, Any]], lang: str) -> Sheet:
    """The same table as a sheet: rates as fractions (the spreadsheet shows 93.72%)."""
    cols = columns(lang, *((key, kind) for _, key, kind in CHILD_COLUMNS))
    return Sheet(tr("export.name.analysis", lang), cols,
                 [tuple(c[field] for field, _, _ in CHILD_COLUMNS) for c in children])


# charts -----------------------------------------------------------------------------------
def trend_chart(trend: list[dict[str, Any]], lang: str) -> go.Figure:
    days = [d["day"] for d in trend]
    fig = go.Figure([
        go.Scatter(x=days, y=[d["reported"] for d in trend], name=tr("analysis.reported", lang), mode="lines+markers"),
        go.Scatter(x=days, y=[d["closed"] for d in trend], name=tr("analysis.closed", lang), mode="lines+markers"),
    ])
    return fig.update_layout(title=tr("analysis.trend", lang), **DARK)


def child_chart(rows: list[dict[str, Any]], lang: str) -> go.Figure:
    # Plotly reads tick labels as its small HTML (<a href>, <b> …): names are escaped.
    names = [escape(r["name"].replace("综治中心", "")) for r in rows]
    series = (("closure_rate", "kpi.closure_rate"), ("on_time_rate", "kpi.on_time_rate"),
              ("satisfaction_rate", "kpi.satisfaction_rate"))
    fig = go.Figure([
        # No bar where there was nothing to divide (a rate of None is not 0%).
        go.Bar(x=names, y=[None if r[field] is None else r[field] * 100 for r in rows], name=tr(key, lang))
        for field, key in series
    ])
    fig.update_layout(barmode="group", title=tr("analysis.by_child", lang), yaxis=dict(title="%", range=[0, 105]), **DARK)
    return fig


LEVEL_NUMBER = {"prefecture": 1, "county": 2, "township": 3, "village": 4}


def level_chart(closed_by_level: dict[str, int], lang: str) -> go.Figure:
    levels = {LEVEL_NUMBER[name]: n for name, n in closed_by_level.items() if n}
    keys = sorted(levels)
    fig = go.Figure(go.Pie(labels=[label("level", str(k), lang) for k in keys], values=[levels[k] for k in keys],
                           hole=0.45, marker=dict(colors=[LEVEL_COLORS[k] for k in keys]), sort=False))
    return fig.update_layout(title=tr("analysis.by_level", lang), **DARK)


def risk_chart(risks: dict[str, int], lang: str) -> go.Figure:
    order = [r for r in ("high", "medium", "low") if r in risks]
    fig = go.Figure(go.Bar(x=[label("risk", r, lang) for r in order], y=[risks[r] for r in order],
                           marker_color=["#ff4d4f", "#f5b83d", "#3fb6ff"][: len(order)]))
    return fig.update_layout(title=tr("analysis.by_risk", lang), **DARK)


def camera_chart(levels: dict[int, Counter[str]], lang: str) -> go.Figure:
    statuses = [s for s in STATUS_COLORS if any(c[s] for c in levels.values())]
    xs = [label("level", str(k), lang) for k in levels]
    fig = go.Figure([
        go.Bar(x=xs, y=[levels[k][s] for k in levels], name=label("camstatus", s, lang), marker_color=STATUS_COLORS[s])
        for s in statuses
    ])
    return fig.update_layout(barmode="stack", title=tr("analysis.camera_health", lang), **DARK)


def map_chart(
    centers: list[CenterPoint], cameras: list[CameraPoint], live: dict[str, str], lang: str
) -> go.Figure:
    fig = go.Figure()
    for level in (4, 3, 2, 1):
        pts = [c for c in centers if c.level == level]
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[p.lon for p in pts], y=[p.lat for p in pts], mode="markers", name=label("level", str(level), lang),
            text=[f"{escape(p.name)}<br>{tr('analysis.open_cases', lang)}: {p.open_cases}" for p in pts], hoverinfo="text",
            marker=dict(size=[min(40, 5 + 2 * level + p.open_cases ** 0.5) for p in pts], color=LEVEL_COLORS[level],
                        opacity=0.75, line=dict(width=0)),
        ))
    if cameras:
        fig.add_trace(go.Scatter(
            x=[c.lon for c in cameras], y=[c.lat for c in cameras], mode="markers", name=tr("analysis.camera", lang),
            text=[escape(c.name) for c in cameras], hoverinfo="text",
            marker=dict(symbol="triangle-up", size=11, color=[STATUS_COLORS.get(live.get(c.id, c.status), "#7a8aa3") for c in cameras],
                        line=dict(width=1, color="#000")),
        ))
    fig.update_layout(title=tr("analysis.map", lang), height=560, **DARK)
    fig.update_xaxes(showgrid=True, gridcolor="#1b2740", zeroline=False, title=tr("analysis.lon", lang))
    fig.update_yaxes(showgrid=True, gridcolor="#1b2740", zeroline=False, scaleanchor="x",
                     title=tr("analysis.lat", lang))
    return fig
