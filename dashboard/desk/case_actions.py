"""The case's actions: one button per action the workflow allows this viewer now, each with
exactly the fields its declaration lists; refusals read as sentences."""

from __future__ import annotations

import streamlit as st

from dashboard.desk import data
from dashboard.desk.case_view import CaseView
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.forms import action_form
from dashboard.shared.refusals import refusal_text
from dispatch.errors import DispatchError
from dispatch.principal import Principal

FLASH = "console_flash"


def actions_panel(viewer: Principal, view: CaseView) -> None:
    st.markdown(f"**{t('console.actions')}**")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    if not view.actions:
        st.caption(t("console.no_actions"))
        return
    picked_key = f"action_{view.number}"
    with st.container(horizontal=True, key="action_buttons"):
        for action in view.actions:
            chosen = st.session_state.get(picked_key) == action
            if st.button(t(f"action.{action}"), key=f"act_{action}", type="primary" if chosen else "secondary"):
                st.session_state[picked_key] = action
                st.rerun()
    action = st.session_state.get(picked_key)
    if action not in view.actions:
        return
    payload = action_form(action, view.choices, key=f"form_{view.number}")
    if payload is None:
        return
    svc = services()
    try:
        with svc.session_factory.begin() as session:
            data.act(session, viewer, view.case.id, action, payload, svc.sla, view.case.version,
                     svc.settings.data_dir)
    except DispatchError as exc:
        st.error(refusal_text(exc, current_lang(), action))
        return
    st.session_state[picked_key] = None
    st.session_state[FLASH] = t("console.action_done", action=t(f"action.{action}"))
    st.rerun()
