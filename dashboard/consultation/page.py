"""视频会商 · video sessions: the running ones in the viewer's scope, a new one on a case, and one
session live (the case's people and cameras, the case card, the actions, the timeline).

``?session=<id>`` opens a session; without it the page lists the running sessions and offers
the start form, its case chosen by number or search (``?case=ZZ-…`` from the case page
preselects it and puts the form first).
"""

from __future__ import annotations

import streamlit as st

from dashboard.consultation import panel
from dashboard.consultation.notice import invitation_notice
from dashboard.consultation.start import running_list, start_form
from dashboard.i18n import t
from dashboard.shared.chrome import principal


def _open(consult_id: int) -> None:
    st.query_params.pop("case", None)
    st.query_params["session"] = str(consult_id)
    st.rerun()


viewer = principal()
if viewer is not None:
    st.title(t("consult.title"))
    raw = st.query_params.get("session", "")
    consult_id = int(raw) if raw.isdigit() else None
    if consult_id is None:
        invitation_notice(viewer)  # sessions that invited this desk (their cases may be elsewhere)
        from_case = bool(st.query_params.get("case"))
        if not from_case:
            opened = running_list(viewer)
            if opened is not None:
                _open(opened)
        st.subheader(t("consult.new"))
        started = start_form(viewer)
        if started is not None:
            _open(started)
        if from_case:
            opened = running_list(viewer)
            if opened is not None:
                _open(opened)
    else:
        if st.button(t("consult.back"), key="consult_back", icon=":material/arrow_back:"):
            st.query_params.pop("session", None)
            st.rerun()
        view = panel.load(viewer, consult_id)
        if view is None:
            st.error(t("consult.not_found"))
        else:
            panel.header(view)
            if view.doc["open"]:
                panel.video(viewer, view)
            left, right = st.columns([3, 2])
            with left:
                if not view.doc["open"]:
                    panel.end(viewer, view)  # the summary, first
                panel.timeline(view)
            with right:
                panel.people(viewer, view)
                panel.cameras(viewer, view)
                if view.doc["open"]:
                    panel.actions(viewer, view)
                    panel.end(viewer, view)
