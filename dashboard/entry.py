"""The Streamlit entry script: page setup and navigation only (pages live in dashboard/views)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.chrome import KIOSK_CSS, is_kiosk, language_switch
from dashboard.context import installed, services
from dashboard.i18n import t
from dashboard.nav import PAGES

st.set_page_config(
    page_title=t("app.title"),
    # A local file: an icon by name would make the browser fetch its picture from the internet.
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if is_kiosk() else "auto",
)

pages = [
    st.Page(PAGES["wall"], title=t("nav.wall"), url_path="wall", default=True),
    st.Page(PAGES["dispatch"], title=t("nav.dispatch"), url_path="dispatch"),
    st.Page(PAGES["alerts"], title=t("nav.alerts"), url_path="alerts"),
    st.Page(PAGES["analysis"], title=t("nav.analysis"), url_path="analysis"),
    st.Page(PAGES["cameras"], title=t("nav.cameras"), url_path="cameras"),
    st.Page(PAGES["consultation"], title=t("nav.consultation"), url_path="consultation"),
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
