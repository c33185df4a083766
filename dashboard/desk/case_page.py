"""The case page: details, orders, the trail, live tiles, and one button per allowed action."""

from __future__ import annotations

import streamlit as st

from dashboard.desk import data
from dashboard.desk.selection import open_case
from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.chrome import text_heading
from dashboard.shared.forms import action_form
from dashboard.wall.component import video_wall
from dispatch.errors import DispatchError
from dispatch.principal import Principal


def case_page(viewer: Principal, case_id: int) -> None:
    lang = current_lang()
    svc = services()
    st.button(t("console.back"), on_click=open_case, args=(None,), icon=":material/arrow_back:")
    try:
        with svc.session_factory() as session:
            view = data.load_case(session, viewer, case_id, lang)
    except DispatchError:
        st.error(t("console.case_not_found"))
        return
    case = view.case
    text_heading(f"{case.number or case.id} · {case.title}")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('console.details')}**")
        st.dataframe(
            [
                {t("field.state"): label("state", case.state, lang), t("field.risk"): label("risk", case.risk, lang),
                 t("field.kind"): label("kind", case.kind, lang), t("field.channel"): label("channel", case.channel, lang),
                 t("field.center"): view.center_name, t("field.reported_at"): local_time(case.reported_at),
                 t("field.due_at"): local_time(case.due_at), t("field.reporter"): case.reporter}
            ],
            hide_index=True, width="stretch",
        )
        st.text(case.description or "")
        if view.orders:
            st.markdown(f"**{t('console.orders')}**")
            st.dataframe(
                [{t("field.number"): o["id"], t("order.role"): o["role"], t("order.target"): o["target"],
                  t("field.state"): o["state"], t("order.dispatched"): o["dispatched"],
                  t("order.returned_reason"): o["returned_reason"]} for o in view.orders],
                hide_index=True, width="stretch",
            )
        st.markdown(f"**{t('console.timeline')}**")
        st.dataframe(
            [{t("field.time"): e["time"], t("field.actor"): e["actor"], t("field.action"): e["action"],
              t("field.from_to"): e["change"], t("field.note"): e["detail"]} for e in view.events],
            hide_index=True, width="stretch",
        )
    with right:
        st.markdown(f"**{t('console.cameras')}**")
        if view.cameras:
            video_wall("", 4, lang, cameras=view.cameras, key="case_tiles")
        else:
            st.caption(t("console.no_cameras"))
        actions_panel(viewer, view)


def actions_panel(viewer: Principal, view: data.CaseView) -> None:
    st.markdown(f"**{t('console.actions')}**")
    flash = st.session_state.pop("console_flash", None)
    if flash:
        st.success(flash)
    if not view.actions:
        st.caption(t("console.no_actions"))
        return
    with st.container(horizontal=True, key="action_buttons"):
        for action in view.actions:
            if st.button(t(f"action.{action}"), key=f"act_{action}"):
                st.session_state["action"] = action
    action = st.session_state.get("action")
    if action not in view.actions:
        return
    payload = action_form(action, view.choices, key=f"form_{view.case.id}")
    if payload is None:
        return
    svc = services()
    try:
        with svc.session_factory.begin() as session:
            data.act(session, viewer, view.case.id, action, payload, svc.sla, view.case.version)
    except DispatchError as exc:
        st.error(t("console.refused", error=str(exc)))
        return
    st.session_state["action"] = None
    st.session_state["console_flash"] = t("console.action_done", action=t(f"action.{action}"))
    st.rerun()
