"""视频会商 · video session: the case's people and cameras live, the case card, the actions.

``?session=<id>`` opens a session; without it the page starts one on a case, chosen by its
number (``?case=ZZ-…`` from the case page preselects it).
"""

from __future__ import annotations

import streamlit as st

from dashboard.consultation import panel
from dashboard.consultation.start import start_form
from dashboard.i18n import t
from dashboard.shared.chrome import principal

viewer = principal()
if viewer is not None:
    st.title(t("consult.title"))
    raw = st.query_params.get("session", "")
    consult_id = int(raw) if raw.isdigit() else None
    if consult_id is None:
        st.caption(t("consult.no_session"))
        started = start_form(viewer)
        if started is not None:
            st.query_params["session"] = str(started)
            st.rerun()
    else:
        doc = panel.load(viewer, consult_id)
        if doc is None:
            st.error(t("consult.not_found"))
        else:
            panel.case_card(doc)
            left, right = st.columns([3, 2])
            with left:
                if doc["open"]:
                    panel.video(consult_id)
                panel.timeline(doc)
            with right:
                panel.people(viewer, doc)
                panel.cameras(viewer, doc)
                if doc["open"]:
                    panel.actions(viewer, doc)
                panel.end(viewer, doc)
