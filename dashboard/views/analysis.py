"""态势分析 · analysis: trend, KPIs by lower center, level shares, risk, camera health, map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from dashboard import analysis as A
from dashboard.chrome import current_scope, page_header, principal, scope_bar
from dashboard.context import services
from dashboard.i18n import current_lang, t

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
    start = now - timedelta(days=days)
    svc = services()
    live = {h.camera_id: h.status for h in svc.hub.health()} if svc.hub is not None else {}
    with svc.session_factory() as session:
        trend = A.daily_trend(session, center.path, start, now)
        children = A.by_child(session, center, start, now, now)
        levels = A.closed_by_level(session, center.path, start, now)
        risks = A.open_by_risk(session, center.path)
        cams = A.camera_levels(session, center.path, live)
        points, cam_points = A.map_points(session, center)
    reported = sum(v[0] for v in trend.values())
    closed = sum(v[1] for v in trend.values())
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("kpi.reported"), f"{reported:,}")
    m2.metric(t("kpi.closed"), f"{closed:,}")
    m3.metric(t("kpi.open"), f"{sum(risks.values()):,}")
    m4.metric(t("kpi.overdue"), f"{sum(r['overdue'] for r in children):,}" if children else "—")
    st.plotly_chart(A.trend_chart(trend, lang), key="trend")
    if children:
        st.plotly_chart(A.child_chart(children, lang), key="by_child")
        st.dataframe(
            [{t("analysis.center"): r["name"], t("kpi.reported"): r["reported"], t("kpi.closed"): r["closed"],
              t("kpi.closure_rate"): r["closure_rate"], t("kpi.on_time_rate"): r["on_time_rate"],
              t("kpi.satisfaction_rate"): r["satisfaction"], t("kpi.overdue"): r["overdue"]} for r in children],
            hide_index=True, width="stretch",
            column_config={t(k): st.column_config.ProgressColumn(t(k), min_value=0, max_value=1, format="percent")
                           for k in ("kpi.closure_rate", "kpi.on_time_rate", "kpi.satisfaction_rate")},
        )
    c1, c2, c3 = st.columns(3)
    if levels:
        c1.plotly_chart(A.level_chart(levels, lang), key="levels")
    if risks:
        c2.plotly_chart(A.risk_chart(risks, lang), key="risks")
    if cams:
        c3.plotly_chart(A.camera_chart(cams, lang), key="cams")
    st.plotly_chart(A.map_chart(points, cam_points, live, lang), key="map")
    st.caption(t("analysis.map_hint"))
