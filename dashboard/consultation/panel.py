"""The session page's pieces (the start form: :mod:`dashboard.consultation.start`): video, case card, people, cameras, actions, timeline, end.

Everything goes through :mod:`dispatch.consultation` services in one transaction per click; the
video itself is the join page of the operator's own invitation, embedded (same origin), so the
browser code that publishes and views is the one a phone uses. The operator's join link is kept
only in this browser session's memory (``st.session_state``): the database has its digest.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.i18n.table import TABLE
from dashboard.server.services import services
from dashboard.shared.refusals import refusal_text
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.evidence import save_evidence
from dispatch.consultation.views import session_doc
from dispatch.errors import DispatchError
from dispatch.principal import Principal
from streams.conference.rooms import Conference

LINKS = "consult_links"  # session_state: {session id: own join link}


def media() -> Conference:
    conference = services().conference
    if conference is None:
        raise RuntimeError("video sessions need the stream hub's conference")
    return conference


def _data_dir() -> Path:
    return services().settings.data_dir


def run(fn: Any, *args: Any, **kw: Any) -> Any:
    """One transaction; a domain error is shown, not raised."""
    try:
        with services().session_factory.begin() as session:
            return fn(session, *args, **kw)
    except DispatchError as exc:
        st.error(refusal_text(exc, current_lang()))
        return None


def role_name(role: str) -> str:
    """A participant's role in words (roles typed by API clients are shown as typed)."""
    return t(f"consult.role.{role}") if f"consult.role.{role}" in TABLE else role


def load(viewer: Principal, consult_id: int) -> dict[str, Any] | None:
    try:
        with services().session_factory() as session:
            consult, case = svc.get_session(session, viewer, consult_id)
            return session_doc(session, consult, case, media())
    except DispatchError:
        return None


def video(consult_id: int) -> None:
    link = st.session_state.get(LINKS, {}).get(consult_id)
    if link:
        st.iframe(f"{link}?autojoin=1", height=720)  # the embedded join page
        st.link_button(t("consult.open_join"), link)


def case_card(doc: dict[str, Any]) -> None:
    case = doc["case"]
    due = local_time(case["due_at"])
    late = f' <b style="color:#ff6b6b">{t("consult.overdue")}</b>' if case["overdue"] else ""
    st.html(
        f'<div style="padding:8px 12px;border:1px solid #24324a;border-radius:8px">'
        f"<b>{html.escape(case['number'] or '')}</b> {html.escape(case['title'])}<br>"
        f"{t('consult.state')}: {html.escape(label('state', case['state'], current_lang()))} · {t('consult.due')}: {html.escape(due)}{late}</div>"
    )


def people(viewer: Principal, doc: dict[str, Any]) -> None:
    st.subheader(t("consult.people"))
    new_links = st.session_state.pop(f"consult_new_links_{doc['id']}", None)
    if new_links:
        with st.expander(t("consult.links"), expanded=True):
            for item in new_links:
                st.text(f"{item['name']} ({item['role']}): {item['link']}")
    st.dataframe([{t("consult.name"): p["name"], t("consult.role"): role_name(p["role"]),
                   t("consult.state"): t(f"consult.pstate.{p['state']}"),
                   t("consult.arrived"): local_time(p["arrived_at"])}
                  for p in doc["participants"]], hide_index=True)
    waiting = {p["name"]: p["id"] for p in doc["participants"] if not p["arrived_at"]}
    if doc["open"] and waiting:
        with st.form(f"arrival_{doc['id']}"):
            who = st.selectbox(t("consult.name"), list(waiting))
            if st.form_submit_button(t("consult.arrival")) and who:
                def arrive(session: Any) -> int:
                    svc.get_session(session, viewer, doc["id"])
                    person = session.get(svc.Participant, waiting[who])
                    return svc.record_arrival(session, viewer.actor, person)

                if run(arrive) is not None:
                    st.rerun()


def cameras(viewer: Principal, doc: dict[str, Any]) -> None:
    st.subheader(t("consult.cameras"))
    for cam in doc["cameras"]:
        cols = st.columns([4, 2, 2])
        cols[0].text(cam["name"])
        cols[1].text(cam["status"])
        if doc["open"] and cols[2].button(t("consult.detach"), key=f"detach_{cam['id']}"):
            run(svc.detach_camera, viewer, doc["id"], cam["id"])
            st.rerun()
    attached = {c["id"] for c in doc["cameras"]}
    options = {f"{p['name']} · {p['scope']} · {p['distance_m'] or '?'} m": p["camera_id"]
               for p in doc.get("proposed_cameras", []) if p["camera_id"] not in attached}
    if doc["open"] and options:
        with st.form(f"attach_{doc['id']}"):
            pick = st.selectbox(t("consult.proposed"), list(options))
            if st.form_submit_button(t("consult.attach")) and pick:
                run(svc.attach_camera, viewer, doc["id"], options[pick])
                st.rerun()


def actions(viewer: Principal, doc: dict[str, Any]) -> None:
    st.subheader(t("consult.actions"))
    sla = services().sla
    with st.form(f"act_{doc['id']}"):
        action = st.selectbox(t("consult.actions"), record.SESSION_WORKFLOW)
        reason = st.text_input(t("consult.reason"))
        lead = st.text_input(t("consult.lead"))
        if st.form_submit_button(t("consult.do")):
            payload: dict[str, Any] = {}
            if action == "dispatch":
                payload["lead"] = {"department" if "-" in lead else "center": lead.strip()}
            elif action in ("escalate", "notify"):
                payload["reason"] = reason
            elif action == "urge" and reason:
                payload["message"] = reason
            if run(record.take_action, viewer, doc["id"], action, payload, sla=sla) is not None:
                st.success(t("consult.done"))
    feeds = {c["name"]: c["feed"] for c in doc["cameras"]}
    feeds.update({p["name"]: p["feed"] for p in doc["participants"] if p["publishing"]})
    with st.form(f"evidence_{doc['id']}"):
        pick = st.selectbox(t("consult.feed"), list(feeds))
        if st.form_submit_button(t("consult.evidence")) and pick:
            jpeg = media().snapshot(str(doc["id"]), feeds[pick])
            if jpeg is None:
                st.error("该画面暂无图像 · this feed has no picture yet")
            else:
                def save(session: Any) -> Any:
                    consult, _ = svc.get_session(session, viewer, doc["id"])
                    return save_evidence(session, viewer.actor, consult, feed=feeds[pick],
                                         feed_name=pick, jpeg=jpeg, data_dir=_data_dir())

                if run(save) is not None:
                    st.success(t("consult.done"))
    with st.form(f"note_{doc['id']}", clear_on_submit=True):
        text = st.text_area(t("consult.note"), max_chars=4000)
        if st.form_submit_button(t("consult.add_note")) and text.strip():
            def note(session: Any) -> None:
                consult, _ = svc.get_session(session, viewer, doc["id"])
                svc.add_note(session, viewer.actor, consult, text)

            run(note)


def timeline(doc: dict[str, Any]) -> None:
    st.subheader(t("consult.timeline"))
    lang = current_lang()
    for e in reversed(doc["timeline"]):
        note = e.get("payload", {}).get("text") or e.get("payload", {}).get("reason") or ""
        st.text(f"{local_time(e['at'])} · {e['actor']} · {label('action', e['action'], lang)}"
                + (f" · {note}" if note else ""))


def end(viewer: Principal, doc: dict[str, Any]) -> None:
    if not doc["open"]:
        st.info(t("consult.ended"))
        if doc["summary"]:
            with st.expander(t("consult.summary"), expanded=True):
                st.json(doc["summary"])
        return
    with st.form(f"end_{doc['id']}"):
        conclusion = st.text_area(t("consult.conclusion"), max_chars=4000)
        if st.form_submit_button(t("consult.end"), type="primary"):
            if run(record.end_session, viewer, doc["id"], conclusion=conclusion) is not None:
                media().close_room_threadsafe(str(doc["id"]))
                st.rerun()
