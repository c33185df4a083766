"""Starting a video consultation on a case chosen by its number (``?case=ZZ-…`` from the case
page or an alert): the case, the cameras that will be attached (nearest first) and the people
the chain suggests are shown before the session opens."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.consultation.panel import LINKS, role_name, run
from dashboard.i18n import current_lang, label, t
from dashboard.server.services import services
from dispatch.casefile import case_by_number
from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee, invitees, propose_cameras
from dispatch.errors import DispatchError
from dispatch.principal import Principal

MAX_CAMERAS = 6


def start_form(viewer: Principal) -> int | None:
    """The start form; returns the new session's id once started."""
    lang = current_lang()
    number = st.text_input(t("consult.case_number"), value=st.query_params.get("case", ""), key="consult_case",
                           max_chars=40, placeholder="ZZ-").strip().upper()
    if not number:
        return None
    try:
        with services().session_factory() as session:
            case = case_by_number(session, viewer, number)
            people = invitees(session, case)
            cams = propose_cameras(session, case)[:MAX_CAMERAS]
            title, state = case.title, case.state
    except DispatchError:
        st.error(t("console.case_not_found"))
        return None
    st.text(f"{number} · {title} · {label('state', state, lang)}")
    with st.form("consult_start"):
        chain = st.checkbox(t("consult.invite_chain"), value=True)
        st.caption(t("consult.suggested", names="、".join(
            f"{p.name}（{role_name(p.role)}）" for p in people) or "—"))
        attach = st.number_input(t("consult.attach_n"), min_value=0, max_value=len(cams), value=min(2, len(cams)))
        st.caption(t("consult.nearest", names="、".join(c.name for c in cams) or "—"))
        if not st.form_submit_button(t("consult.start"), type="primary"):
            return None

    def start(session: Any) -> tuple[int, str, list[dict[str, str]]]:
        found = case_by_number(session, viewer, number)
        consult = svc.start_session(session, viewer, case_id=found.id)
        own = svc.invite(session, viewer, consult.id, Invitee(viewer.name or viewer.actor, "operator"),
                         actor=viewer.actor)
        made = svc.invite_chain(session, viewer, consult.id) if chain else []
        for proposal in svc.proposals(session, viewer, consult.id)[: int(attach)]:
            svc.attach_camera(session, viewer, consult.id, proposal.camera_id)
        return consult.id, f"/join/{own.token}", [
            {"name": i.participant.name, "role": i.participant.role, "link": f"/join/{i.token}"} for i in made]

    started = run(start)
    if started is None:
        return None
    consult_id, own_link, links = started
    st.session_state.setdefault(LINKS, {})[consult_id] = own_link
    st.session_state[f"consult_new_links_{consult_id}"] = links
    return consult_id
