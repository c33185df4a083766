"""值班告警 · the alert center: filters, one row per camera or case, bulk acknowledgement, the
sound for new critical alerts, and the duty roster of the scope's center."""

from __future__ import annotations

import streamlit as st

from dashboard.alerts.card import live_alerts
from dashboard.alerts.exports import alerts_sheet
from dashboard.alerts.filters import alert_filter
from dashboard.alerts.roster import roster_tab
from dashboard.i18n import current_lang, t, tr
from dashboard.server.services import services
from dashboard.shared.calendar_notice import calendar_notice
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dashboard.shared.export import export_buttons
from dashboard.shared.text import md

viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("alerts.title")
    notice = calendar_notice(services().sla, current_lang())  # the holiday calendar's edge
    if notice:
        st.warning(md(notice))
    scope_bar(viewer, center)
    alerts_tab, duty_tab = st.tabs([t("alerts.tab.list"), t("alerts.tab.roster")])
    with alerts_tab:
        flt, sound = alert_filter(viewer, center)
        lang = current_lang()
        export_buttons(tr("export.name.alerts", lang), center.code,
                       lambda: alerts_sheet(viewer, center.path, flt, lang), key="alerts", lang=lang)
        live_alerts(viewer, center, flt, sound)
    with duty_tab:
        roster_tab(viewer, center)
