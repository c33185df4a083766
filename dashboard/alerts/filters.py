"""The alert center's filter bar: kind, severity, level, center, acknowledged or not, open
only, and the sound switch. Values are stored enums shown through ``label``."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import L, t
from dashboard.server.services import services
from dispatch.alerts import AlertFilter, alert_centers
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.types import AlertKind, Severity

ACKED = {"no": False, "yes": True, "any": None}


def alert_filter(viewer: Principal, center: CenterRef) -> tuple[AlertFilter, bool]:
    with services().session_factory() as session:
        centers = alert_centers(session, viewer, center.path)
    names = {path: f"{name} ({count})" for path, name, _level, count in centers}
    with st.container(horizontal=True, vertical_alignment="bottom", key="alerts_filters"):
        kinds = st.multiselect(t("alerts.filter.kind"), [k.value for k in AlertKind], key="alerts_kinds",
                               format_func=lambda v: L("alert", v), placeholder=t("alerts.filter.any"), width=260)
        severities = st.multiselect(t("alerts.filter.severity"), [s.value for s in Severity], key="alerts_severities",
                                    format_func=lambda v: L("severity", v), placeholder=t("alerts.filter.any"), width=200)
        levels = st.multiselect(t("alerts.filter.level"), [lv for lv in range(center.level, 5)], key="alerts_levels",
                                format_func=lambda v: L("level", str(v)), placeholder=t("alerts.filter.any"), width=220)
        where = st.selectbox(t("alerts.filter.center"), ["", *names], key="alerts_center", width=240,
                             format_func=lambda p: names[p] if p else t("alerts.filter.center_all"))  # option text is literal
        acked = st.segmented_control(t("alerts.filter.acked"), list(ACKED), default="no", key="alerts_acked",
                                     format_func=lambda v: t(f"alerts.filter.acked.{v}"))
        open_only = st.toggle(t("alerts.filter.open"), value=True, key="alerts_open")
        sound = st.toggle(t("alerts.sound"), value=True, key="alerts_sound", help=t("alerts.sound_hint"))
    flt = AlertFilter(
        kinds=tuple(kinds), severities=tuple(severities), levels=tuple(levels),
        center_path=where or None, acked=ACKED[acked or "no"], open_only=open_only,
    )
    return flt, sound
