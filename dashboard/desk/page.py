"""事件调度 · the operator's desk: the inbox of what awaits this account (待办), the scope's open
and late cases, one search box, the archive, the intake form, and a case page by number."""

from __future__ import annotations

import streamlit as st

from dashboard.desk.archive import archive
from dashboard.desk.case_page import case_page
from dashboard.desk.inbox import inbox
from dashboard.desk.intake import intake_form
from dashboard.desk.queues import VIEWS, scope_counts, scope_queue
from dashboard.desk.search import search_box, search_results
from dashboard.desk.selection import opening, selected_case
from dashboard.i18n import current_lang, t, tr
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dispatch.channels import offered_channels
from dispatch.principal import Principal
from dispatch.report import may_report
from dispatch.scopes import CenterRef


def desk(viewer: Principal, center: CenterRef) -> None:
    flash = st.session_state.pop("console_flash", None)
    if flash:
        st.success(flash)
    may_file = may_report(viewer) and bool(offered_channels(viewer, services().settings.intake))
    registering = may_file and st.toggle(t("console.new_case"), key="show_intake")
    if registering:
        intake_form(viewer, center)
    query = search_box()
    if query:
        search_results(viewer, query)
        return
    counts = scope_counts(viewer, center)
    lang = current_lang()  # captured: option labels are also read outside the script run
    view = st.segmented_control(
        t("console.title"), ("inbox", *VIEWS, "archive"), default="inbox", key="desk_view", required=True,
        format_func=lambda v: tr(f"desk.view.{v}", lang, n=counts.get(v, 0)), label_visibility="collapsed",
    ) or "inbox"  # fmt: skip
    if view == "inbox":
        inbox(viewer, live=not registering)
    elif view == "archive":
        archive(viewer, center)
    else:
        scope_queue(viewer, center, view)


viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("console.title")
    scope_bar(viewer, center)
    number = selected_case()
    opening()  # this run draws whatever was opened
    if number is not None:
        case_page(viewer, number)
    else:
        desk(viewer, center)
