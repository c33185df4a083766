"""值班告警 · duty alerts: live list for the scope, sound for new critical ones, acknowledge."""

from __future__ import annotations

import streamlit as st

from dashboard.alerts.card import live_alerts
from dashboard.i18n import t
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar

viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("alerts.title")
    scope_bar(viewer, center)
    with st.container(horizontal=True):
        show_acked = st.toggle(t("alerts.show_acked"), key="alerts_show_acked")
        sound = st.toggle(t("alerts.sound"), value=True, key="alerts_sound", help=t("alerts.sound_hint"))
    live_alerts(viewer, center, show_acked, sound)
