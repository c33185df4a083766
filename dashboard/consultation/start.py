"""Starting a video consultation and the list of running ones.

The case is chosen by its number (``?case=ZZ-…`` from the case page preselects it) or found by
words of its title or address; the cameras that will be attached (nearest first) and the people
the chain suggests are shown before the session opens. Nobody types an internal id or code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from dashboard.consultation.panel import duration, kv, paren, role_name, run, store_key
from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.casefile import case_by_number
from dispatch.consultation import services as svc
from dispatch.consultation.chain import invitees, propose_cameras
from dispatch.desk.search import search_cases
from dispatch.errors import DispatchError
from dispatch.principal import Principal

MAX_CAMERAS = 6


def running_list(viewer: Principal) -> int | None:
    """Running sessions in the viewer's scope; returns the id of the one opened by a click."""
    st.subheader(t("consult.running"))
    with services().session_factory() as session:
        rows = svc.running_sessions(session, viewer)
    if not rows:
        st.caption(t("consult.running_none"))
        return None
    now, lang = datetime.now(UTC), current_lang()
    opened = None
    for row in rows:
        with st.container(border=True, key=f"running_{row.id}"):
            left, right = st.columns([5, 1], vertical_alignment="center")
            people = t("case.list_sep").join(
                paren(name, label("consult.pstate", state, lang)) for name, _, state in row.people)
            left.markdown(f"**{md(row.case_number)}** {md(row.case_title)}")
            left.caption(md(f"{kv(t('consult.started_at'), local_time(row.started_at))} · "
                            f"{kv(t('consult.length'), duration(now - row.started_at))} · "
                            f"{t('consult.online', n=row.connected, total=len(row.people))}"))
            left.caption(md(kv(t("consult.people"), people or "—")))
            if right.button(t("consult.enter"), key=f"open_{row.id}", icon=":material/login:"):
                opened = row.id
    return opened


def _choose_case(viewer: Principal) -> str | None:
    """The chosen case's number: typed in full, or picked from what the words found."""
    query = st.text_input(t("consult.case_search"), value=st.query_params.get("case", ""), key="consult_case",
                          max_chars=80, placeholder="ZZ-", help=t("consult.case_search_help")).strip()
    if not query:
        return None
    with services().session_factory() as session:
        try:
            return case_by_number(session, viewer, query.upper()).number
        except DispatchError:
            pass
        found = search_cases(session, viewer, query, limit=20)
    hits = {h.number: f"{h.number} · {h.title} · {label('state', h.state, current_lang())}"
            for h in found.items if not h.finished}
    if not hits:
        st.warning(t("consult.case_none"))
        return None
    return st.selectbox(t("consult.case_pick"), list(hits), index=0, key="consult_pick",
                        format_func=hits.__getitem__)


def start_form(viewer: Principal) -> int | None:
    """The start form; returns the new session's id once started."""
    lang = current_lang()
    number = _choose_case(viewer)
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
    st.text(t("consult.chosen", number=number, title=title, state=label("state", state, lang)))
    with st.form("consult_start"):
        chain = st.checkbox(t("consult.invite_chain"), value=True)
        st.caption(md(t("consult.suggested", names="、".join(
            paren(p.name, role_name(p.role)) for p in people) or "—")))
        attach = st.number_input(t("consult.attach_n"), min_value=0, max_value=len(cams), value=min(2, len(cams)))
        st.caption(md(t("consult.nearest", names="、".join(c.name for c in cams) or "—")))
        if not st.form_submit_button(t("consult.start"), type="primary"):
            return None
    key = store_key()

    def start(session: Any) -> int:
        found = case_by_number(session, viewer, number)
        consult = svc.start_session(session, viewer, case_id=found.id)
        svc.own_invitation(session, viewer, consult.id, key=key)
        if chain:
            svc.invite_chain(session, viewer, consult.id, key=key)
        for proposal in svc.proposals(session, viewer, consult.id)[: int(attach)]:
            svc.attach_camera(session, viewer, consult.id, proposal.camera_id)
        return consult.id

    return run(start)
