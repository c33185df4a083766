"""事件调度 · the dispatch desk: queues of this scope, a case page, the intake form."""

from __future__ import annotations

import streamlit as st

from dashboard.desk.case_page import case_page
from dashboard.desk.intake import intake_form
from dashboard.desk.queues import queues
from dashboard.desk.selection import selected_case
from dashboard.i18n import t
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar

viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("console.title")
    scope_bar(viewer, center)
    case_id = selected_case()
    if case_id is not None:
        case_page(viewer, case_id)
    else:
        flash = st.session_state.pop("console_flash", None)
        if flash:
            st.success(flash)
        if st.toggle(t("console.new_case"), key="show_intake"):
            intake_form(viewer, center)
        queues(viewer, center)
