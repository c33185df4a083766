"""态势分析 · analysis: trend, KPIs by lower center, level shares, risk, camera health, map."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.analysis import charts as A
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dashboard.shared.export import export_buttons
from dispatch.cameras import cameras_by_level, map_points

PERIODS = (7, 30, 90, 365)


viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    lang = current_lang()
    page_header("analysis.title")
    scope_bar(viewer, center)
    days = st.segmented_control(t("analysis.period"), PERIODS, default=30, key="period",
                                format_func=lambda n: t("analysis.days", n=n)) or 30
    now = datetime.now(UTC)
    svc = services()
    live = {h.camera_id: h.status for h in svc.hub.health()} if svc.hub is not None else {}
    with svc.session_factory() as session:
        k = A.kpis(session, center, days, now)
        cams = cameras_by_level(session, center.path, live)
        points, cam_points = map_points(session, center.path)
    m = st.columns(7)
    m[0].metric(t("kpi.reported"), f"{k['reported']:,}")
    m[1].metric(t("kpi.closed"), f"{k['closed']:,}")
    shown = ("closure_rate", "on_time_rate", "satisfaction_strict_rate", "satisfaction_broad_rate")
    for col, key in zip(m[2:6], shown, strict=True):
        col.metric(t(f"kpi.{key}"), A.percent(k[key]))
    m[6].metric(t("kpi.overdue"), f"{k['overdue']:,}")
    st.plotly_chart(A.trend_chart(k["trend"], lang), key="trend")
    children = [c for c in k["children"] if c["reported"] or c["closed"] or c["open"]]
    if children:
        st.plotly_chart(A.child_chart(children, lang), key="by_child")
        export_buttons(t("export.name.analysis"), center.code, lambda: A.child_sheet(children, lang),
                       key="analysis", lang=lang, total=len(children))
        st.dataframe(A.child_rows(children, lang), hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    if any(k["closed_by_level"].values()):
        c1.plotly_chart(A.level_chart(k["closed_by_level"], lang), key="levels")
    if k["open"]:
        c2.plotly_chart(A.risk_chart(k["open_by_risk"], lang), key="risks")
    if cams:
        c3.plotly_chart(A.camera_chart(cams, lang), key="cams")
    st.plotly_chart(A.map_chart(points, cam_points, live, lang), key="map")
    st.caption(t("analysis.map_hint"))
