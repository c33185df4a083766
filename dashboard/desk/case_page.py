"""The case page: the one place for a case, found by its number.

Summary, orders and the full trail on the left; on the right the actions this viewer may
take now (exactly the workflow's :func:`~dispatch.workflow.allowed_actions`), the video
consultation button, the case's cameras with their snapshot buttons, and its photos.
"""

from __future__ import annotations

import streamlit as st

from dashboard.desk import case_cameras, case_clips, case_summary
from dashboard.desk.case_actions import FLASH, actions_panel
from dashboard.desk.case_view import load_case
from dashboard.desk.selection import open_case
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.chrome import text_heading
from dashboard.shared.text import md
from dispatch.errors import DispatchError
from dispatch.principal import Principal


def case_page(viewer: Principal, number: str) -> None:
    """Draw the case numbered ``number`` as ``viewer`` may see it."""
    svc = services()
    st.button(t("console.back"), on_click=open_case, args=(None,), icon=":material/arrow_back:")
    try:
        with svc.session_factory() as session:
            view = load_case(session, viewer, str(number), current_lang(), svc.settings.data_dir)
    except DispatchError:
        st.error(t("console.case_not_found"))
        return
    text_heading(f"{view.number} · {view.case.title}")
    if view.follower:
        # Its own report, or what its center sent up, now held elsewhere: read-only. The
        # action that just sent it up is confirmed here (the actions panel is not drawn).
        flash = st.session_state.pop(FLASH, None)
        if flash:
            st.success(md(flash))
        st.info(md(t(f"console.follower.{view.follower}", holder=view.holder or "—")))
    left, right = st.columns([3, 2], gap="large")
    with left:
        case_summary.summary(view)
        case_summary.orders(view.orders)
        case_summary.trail(view)
    with right:
        if view.follower:
            case_cameras.pictures(view)
            return
        actions_panel(viewer, view)
        case_cameras.consult_button(viewer, view)
        case_cameras.cameras(viewer, view)
        case_cameras.pictures(view)
        case_clips.clips(viewer, view)
