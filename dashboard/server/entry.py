"""The Streamlit entry script: page setup and navigation only (the pages: dashboard.server.pages).

It sits beside ``static/`` (served by ``server.enableStaticServing``) and the launcher
``app.py`` beside ``.streamlit/`` (read as the launcher's config).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.i18n import t
from dashboard.server.pages import pages_for
from dashboard.server.services import installed, services
from dashboard.shared.chrome import KIOSK_CSS, is_kiosk, language_switch, viewer_is_admin, who_am_i

st.set_page_config(
    page_title=t("app.title"),
    # A local file: an icon by name would make the browser fetch its picture from the internet.
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if is_kiosk() else "auto",
)

pages = [
    st.Page(entry.script, title=t(entry.title), url_path=entry.url_path, default=i == 0)
    for i, entry in enumerate(pages_for(admin=viewer_is_admin()))
]
kiosk = is_kiosk()
page = st.navigation(pages, position="hidden" if kiosk else "sidebar")
if kiosk:
    st.html(KIOSK_CSS)
else:
    with st.sidebar:
        st.markdown(f"**{t('app.title')}**")
        language_switch()
        who_am_i()
        if installed() and services().demo:
            st.caption(t("nav.demo_banner"))
page.run()
