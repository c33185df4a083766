"""The Streamlit entry script: page setup and navigation only (pages live in dashboard/views)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.chrome import KIOSK_CSS, is_kiosk, language_switch
from dashboard.context import installed, services
from dashboard.i18n import t

VIEWS = Path(__file__).parent / "views"

st.set_page_config(
    page_title=t("app.title"),
    layout="wide",
    initial_sidebar_state="collapsed" if is_kiosk() else "auto",
)

pages = [
    st.Page(VIEWS / "wall.py", title=t("nav.wall"), icon=":material/videocam:", url_path="wall", default=True),
    st.Page(VIEWS / "console.py", title=t("nav.dispatch"), icon=":material/assignment:", url_path="dispatch"),
    st.Page(VIEWS / "alerts.py", title=t("nav.alerts"), icon=":material/notifications_active:", url_path="alerts"),
    st.Page(VIEWS / "analysis.py", title=t("nav.analysis"), icon=":material/insights:", url_path="analysis"),
    st.Page(VIEWS / "cameras.py", title=t("nav.cameras"), icon=":material/videocam_off:", url_path="cameras"),
]
kiosk = is_kiosk()
page = st.navigation(pages, position="hidden" if kiosk else "sidebar")
if kiosk:
    st.html(KIOSK_CSS)
else:
    with st.sidebar:
        st.markdown(f"**{t('app.title')}**")
        language_switch()
        if installed() and services().demo:
            st.caption(t("nav.demo_banner"))
page.run()
