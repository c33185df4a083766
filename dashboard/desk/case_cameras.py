"""The case's cameras (live tiles, nearest first) with a one-click snapshot into its evidence,
its photos, and the button that opens a video consultation on it."""

from __future__ import annotations

import streamlit as st

from dashboard.desk.case_view import CaseView
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.refusals import refusal_text
from dashboard.shared.text import md
from dashboard.wall.component import video_wall
from dispatch.desk.evidence import save_snapshot
from dispatch.errors import DispatchError
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.transitions import DESK
from streams.hub import UnknownCamera

CONSULT_PAGE = "../consultation/page.py"


def cameras(viewer: Principal, view: CaseView) -> None:
    st.markdown(f"**{t('console.cameras')}**")
    if not view.cameras:
        st.caption(t("console.no_cameras"))
        return
    video_wall("", 4, current_lang(), cameras=view.cameras, key=f"case_tiles_{view.number}")
    st.caption(t("case.snapshot_hint"))
    with st.container(horizontal=True, key="snapshots"):
        for cam in view.cameras:
            name = view.camera_names.get(cam, cam)
            if st.button(md(name), key=f"snap_{cam}", icon=":material/photo_camera:"):
                _snapshot(viewer, view, cam, name)


def _snapshot(viewer: Principal, view: CaseView, camera_id: str, name: str) -> None:
    svc = services()
    jpeg = None
    if svc.hub is not None:
        try:
            jpeg = svc.hub.snapshot(camera_id, "main")
        except UnknownCamera:
            jpeg = None
    if jpeg is None:
        st.error(t("case.no_picture", camera=md(name)))
        return
    try:
        with svc.session_factory.begin() as session:
            case = session.get(Case, view.case.id)
            assert case is not None
            save_snapshot(session, viewer, case, camera_id, jpeg=jpeg, data_dir=svc.settings.data_dir)
    except DispatchError as exc:
        st.error(refusal_text(exc, current_lang()))
        return
    st.session_state["console_flash"] = t("case.snapshot_saved", camera=md(name))
    st.rerun()


def pictures(view: CaseView) -> None:
    shown = [p for p in view.pictures if p.path.exists()]
    st.markdown(f"**{t('case.pictures')}**")
    if not shown:
        st.caption(t("case.no_pictures"))
        return
    st.image([str(p.path) for p in shown], width=160,
             caption=[f"{md(p.taken)} · {md(p.by)}" for p in shown])


def consult_button(viewer: Principal, view: CaseView) -> None:
    """Open the video consultation page with this case chosen (by its number)."""
    if not viewer.has(*DESK):
        return
    if st.button(t("case.consult"), key="start_consult", icon=":material/video_call:", type="primary"):
        st.switch_page(CONSULT_PAGE, query_params={"case": view.number})
