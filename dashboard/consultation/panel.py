"""The session page's pieces (the start form and the list: :mod:`dashboard.consultation.start`):
header, video, people and their links, cameras, actions, timeline, the end and its summary.

Everything goes through :mod:`dispatch.consultation` services in one transaction per click; the
video itself is the join page of the viewer's own invitation, embedded (same origin), so the
browser code that publishes and views is the one a phone uses. The viewer's link is derived
again on every run from the stored nonce (:mod:`dispatch.consultation.links`): a reload of this
page comes back into the same session as the same participant. Every value is drawn in the
viewer's language; nothing raw (ids, enums, ISO times, payload dicts) reaches the page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import streamlit as st

from dashboard.consultation.engine import SessionMedia
from dashboard.desk.case_trail import EventRow, Names, actor_name, event_row
from dashboard.i18n import current_lang, label, t, tr
from dashboard.i18n.dates import local_time
from dashboard.i18n.table import TABLE
from dashboard.server.services import services
from dashboard.shared.forms import Choices, action_form
from dashboard.shared.refusals import refusal_text
from dispatch.casefile import actor_names, dispatch_targets
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.evidence import save_evidence
from dispatch.consultation.links import link, link_key
from dispatch.consultation.views import session_doc, timeline_events
from dispatch.errors import DispatchError
from dispatch.models import Camera
from dispatch.principal import Principal
from dispatch.workflow import DESK
from streams.janus.engine import JanusMedia


def media() -> SessionMedia:
    conference = services().conference
    if conference is None:
        raise RuntimeError("video sessions need the stream hub's conference")
    return conference


def _data_dir() -> Path:
    return services().settings.data_dir


def store_key() -> bytes:
    """The server's key for join links (a file in the data folder)."""
    return link_key(_data_dir())


def run(fn: Any, *args: Any, **kw: Any) -> Any:
    """One transaction; a domain error is shown, not raised."""
    try:
        with services().session_factory.begin() as session:
            return fn(session, *args, **kw)
    except DispatchError as exc:
        st.error(refusal_text(exc, current_lang()))
        return None


def role_name(role: str) -> str:
    """A participant's role in words (a role an API client typed is shown as typed)."""
    return t(f"consult.role.{role}") if f"consult.role.{role}" in TABLE else role


def duration(span: timedelta | float | int) -> str:
    """A length of time as people say it: "45 秒", "12 分钟", "1 小时 5 分"."""
    return _dur(span.total_seconds() if isinstance(span, timedelta) else span, current_lang())


def kv(key: str, value: str, lang: str | None = None) -> str:
    """"状态：已受理" / "State: Accepted"."""
    return tr("consult.kv", lang or current_lang(), k=key, v=value)


def paren(text: str, inner: str, lang: str | None = None) -> str:
    """"李四（网格员）" / "Li Si (Grid worker)"."""
    return tr("consult.paren", lang or current_lang(), a=text, b=inner)


def _when(value: Any) -> str:
    """A stored time (datetime or ISO text from a summary) in the local format."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return "—"
    return local_time(value) if isinstance(value, datetime) else "—"


@dataclass
class SessionView:
    """A session as this page draws it, read in one database session."""

    doc: dict[str, Any]
    events: list[EventRow]
    names: Names
    choices: Choices
    own_link: str | None  # the viewer's join link, when the viewer has one in this session
    camera_names: dict[str, str] = field(default_factory=dict)


def load(viewer: Principal, consult_id: int) -> SessionView | None:
    lang = current_lang()
    try:
        with services().session_factory() as session:
            consult, case = svc.get_session(session, viewer, consult_id)
            doc = session_doc(session, consult, case, media())
            events = timeline_events(session, consult)
            summary_cams = (consult.summary or {}).get("cameras", [])
            camera_ids = {c["id"] for c in doc["cameras"]} | {p["camera_id"] for p in doc["proposed_cameras"]}
            camera_ids |= {e.payload.get("camera") for e in events if isinstance(e.payload.get("camera"), str)}
            camera_ids |= {c for c in summary_cams if isinstance(c, str)}
            camera_names = dict(session.execute(
                sa.select(Camera.id, Camera.name).where(Camera.id.in_(camera_ids))).all())
            actors = {e.actor for e in events} | {consult.started_by}
            people = actor_names(session, actors)
            people |= {f"guest:{p.id}": p.name for p in consult.participants}
            people |= {p.actor: p.name for p in consult.participants if p.actor and p.actor not in people}
            names = Names(actors=people, cameras=camera_names)
            own = None
            if consult.ended_at is None:
                key = store_key()
                for person in reversed(consult.participants):
                    token = svc.link_token(person, key) if person.actor == viewer.actor else None
                    if token is not None:
                        own = link(token)
                        break
            return SessionView(doc=doc, events=[event_row(e, names, lang) for e in events], names=names,
                               choices=Choices(targets=dispatch_targets(session, case)), own_link=own,
                               camera_names=camera_names)
    except DispatchError:
        return None


def header(view: SessionView) -> None:
    doc, case, lang = view.doc, view.doc["case"], current_lang()
    due = local_time(case["due_at"])
    late = f' <b style="color:#ff6b6b">{html.escape(t("consult.overdue"))}</b>' if case["overdue"] else ""
    started_by = actor_name(doc["started_by"], view.names, lang)
    if doc["open"]:
        meta = t("consult.session_meta", started=local_time(doc["started_at"]),
                 length=duration(datetime.now(UTC) - doc["started_at"]), by=started_by)
    else:
        meta = t("consult.session_meta_ended", started=local_time(doc["started_at"]),
                 ended=local_time(doc["ended_at"]), length=duration(doc["ended_at"] - doc["started_at"]))
    st.html(
        '<div style="padding:8px 12px;border:1px solid #24324a;border-radius:8px">'
        f"<b>{html.escape(case['number'] or '')}</b> {html.escape(case['title'])}<br>"
        f"{html.escape(kv(t('consult.state'), label('state', case['state'], lang)))} · "
        f"{html.escape(kv(t('consult.due'), due))}{late}<br>"
        f'<span style="color:#8aa0b8">{html.escape(meta)}</span></div>'
    )


def video(viewer: Principal, view: SessionView) -> None:
    """The viewer's own join page, embedded; the whole width, speaker or grid view inside."""
    if view.own_link is None:
        if viewer.has(*DESK) and st.button(t("consult.join_me"), key="join_me", type="primary",
                                           icon=":material/video_call:"):
            if run(lambda s: svc.own_invitation(s, viewer, view.doc["id"], key=store_key())) is not None:
                st.rerun()
        return
    lang = "en" if current_lang() == "en" else "zh-CN"
    st.iframe(f"{view.own_link}?autojoin=1&embedded=1&lang={lang}", height=800)
    st.link_button(t("consult.open_join"), f"{view.own_link}?lang={lang}", icon=":material/open_in_new:")
    engine = "janus" if isinstance(media(), JanusMedia) else "builtin"
    st.caption(t("media.engine", name=t(f"media.engine.{engine}")))


def _origin() -> str:
    try:
        parts = urlsplit(st.context.url or "")
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    except Exception:
        return ""


def people(viewer: Principal, view: SessionView) -> None:
    doc, lang = view.doc, current_lang()
    st.subheader(t("consult.people"))
    st.dataframe([{t("consult.name"): p["name"], t("consult.role"): role_name(p["role"]),
                   t("consult.state"): label("consult.pstate", p["state"], lang),
                   t("consult.joins"): p["joins"],
                   t("consult.connected"): duration(p["connected_seconds"]),
                   t("consult.arrived"): local_time(p["arrived_at"])}
                  for p in doc["participants"]], hide_index=True, width="stretch")
    if not doc["open"] or not viewer.has(*DESK):
        return
    waiting = {p["id"]: p["name"] for p in doc["participants"] if not p["arrived_at"]}
    if waiting:
        with st.form(f"arrival_{doc['id']}"):
            who = st.selectbox(t("consult.name"), list(waiting), format_func=waiting.__getitem__)
            if st.form_submit_button(t("consult.arrival")) and who is not None:
                def arrive(session: Any) -> int:
                    svc.get_session(session, viewer, doc["id"])
                    person = session.get(svc.Participant, who)
                    return svc.record_arrival(session, viewer.actor, person)

                if run(arrive) is not None:
                    st.rerun()
    resend(viewer, view)


def resend(viewer: Principal, view: SessionView) -> None:
    """Show a participant's personal link again, to copy and send (valid until the end)."""
    doc = view.doc
    everyone = {p["id"]: paren(p["name"], role_name(p["role"])) for p in doc["participants"]}
    with st.expander(t("consult.resend"), icon=":material/link:"):
        who = st.selectbox(t("consult.resend_who"), list(everyone), format_func=everyone.__getitem__,
                           key=f"resend_who_{doc['id']}")
        shown = st.session_state.get(f"resend_shown_{doc['id']}")
        if st.button(t("consult.resend_show"), key=f"resend_{doc['id']}", icon=":material/content_copy:"):
            token = run(lambda s: svc.resend_link(s, viewer, doc["id"], who, key=store_key()))
            shown = st.session_state[f"resend_shown_{doc['id']}"] = (who, token)
        if shown and shown[0] == who:
            if shown[1] is None:
                st.warning(t("consult.resend_old"))
            else:
                st.code(_origin() + link(shown[1]), language=None, wrap_lines=True)  # copy button
                st.caption(t("consult.resend_hint"))


def cameras(viewer: Principal, view: SessionView) -> None:
    doc, lang = view.doc, current_lang()
    st.subheader(t("consult.cameras"))
    may = doc["open"] and viewer.has(*DESK)
    for cam in doc["cameras"]:
        cols = st.columns([4, 2, 2], vertical_alignment="center")
        cols[0].text(cam["name"])
        cols[1].text(label("camstatus", cam["status"], lang))
        if may and cols[2].button(t("consult.detach"), key=f"detach_{cam['id']}"):
            run(svc.detach_camera, viewer, doc["id"], cam["id"])
            st.rerun()
    attached = {c["id"] for c in doc["cameras"]}
    options = {p["camera_id"]: (t("consult.distance", name=p["name"], m=round(p["distance_m"]))
                                if p["distance_m"] is not None else t("consult.distance_unknown", name=p["name"]))
               for p in doc.get("proposed_cameras", []) if p["camera_id"] not in attached}
    if may and options:
        with st.form(f"attach_{doc['id']}"):
            pick = st.selectbox(t("consult.proposed"), list(options), format_func=options.__getitem__)
            if st.form_submit_button(t("consult.attach")) and pick:
                run(svc.attach_camera, viewer, doc["id"], pick)
                st.rerun()


def actions(viewer: Principal, view: SessionView) -> None:
    doc, lang = view.doc, current_lang()
    if not viewer.has(*DESK):
        return
    st.subheader(t("consult.actions"))
    sla = services().sla
    action = st.selectbox(t("consult.action_pick"), record.SESSION_WORKFLOW, key=f"action_{doc['id']}",
                          format_func=lambda a: label("action", a, lang))
    payload = action_form(action, view.choices, key=f"consult_{doc['id']}")
    if payload is not None:
        if run(record.take_action, viewer, doc["id"], action, payload, sla=sla) is not None:
            st.success(t("consult.done"))
    feeds = {c["feed"]: c["name"] for c in doc["cameras"]}
    feeds.update({p["feed"]: p["name"] for p in doc["participants"] if p["publishing"]})
    if feeds:
        with st.form(f"evidence_{doc['id']}"):
            pick = st.selectbox(t("consult.feed"), list(feeds), format_func=feeds.__getitem__)
            if st.form_submit_button(t("consult.evidence")) and pick:
                jpeg = media().snapshot(str(doc["id"]), pick)
                if jpeg is None:
                    st.error(t("consult.no_picture"))
                else:
                    def save(session: Any) -> Any:
                        consult, _ = svc.get_session(session, viewer, doc["id"])
                        return save_evidence(session, viewer.actor, consult, feed=pick,
                                             feed_name=feeds[pick], jpeg=jpeg, data_dir=_data_dir())

                    if run(save) is not None:
                        st.success(t("consult.done"))
    with st.form(f"note_{doc['id']}", clear_on_submit=True):
        text = st.text_area(t("consult.note"), max_chars=4000)
        if st.form_submit_button(t("consult.add_note")) and text.strip():
            def note(session: Any) -> bool:
                consult, _ = svc.get_session(session, viewer, doc["id"])
                svc.add_note(session, viewer.actor, consult, text)
                return True

            if run(note):
                st.rerun()


def timeline(view: SessionView) -> None:
    st.subheader(t("consult.timeline"))
    if not view.events:
        st.caption(t("consult.timeline_empty"))
        return
    sep = t("case.list_sep")
    st.dataframe([{t("consult.time"): e.time, t("consult.actor"): e.actor,
                   t("consult.what"): paren(e.action, e.change) if e.change else e.action,
                   t("consult.detail"): sep.join(kv(caption, text) for caption, text in e.details)}
                  for e in reversed(view.events)], hide_index=True, width="stretch")


def summary_html(view: SessionView, lang: str) -> str:
    """The end summary as a document (every value translated, user text escaped)."""
    s, case = view.doc["summary"] or {}, view.doc["case"]
    esc = html.escape
    started, ended = _when(s.get("started_at")), _when(s.get("ended_at"))
    parts = [f"<h3 style='margin:0 0 6px'>{esc(tr('consult.sum.head', lang, number=case['number'] or '', title=case['title']))}</h3>",
             f"<p>{esc(tr('consult.sum.when', lang, started=started, ended=ended, length=_dur(s.get('duration_seconds', 0), lang)))}</p>",
             f"<h4>{esc(tr('consult.sum.people', lang))}</h4><ul>"]
    for p in s.get("participants", []):
        role = tr(f"consult.role.{p.get('role')}", lang) if f"consult.role.{p.get('role')}" in TABLE else str(p.get("role", ""))
        took = _dur(p.get("seconds", 0), lang) if p.get("joined") else tr("consult.sum.absent", lang)
        line = kv(paren(str(p.get("name", "")), role, lang), took, lang)
        if p.get("arrived_after_seconds") is not None:
            line += tr("case.list_sep", lang) + tr("consult.sum.arrived_after", lang,
                                                   length=_dur(p["arrived_after_seconds"], lang))
        parts.append(f"<li>{esc(line)}</li>")
    parts.append("</ul>")
    cams = "、".join(view.camera_names.get(c, c) for c in s.get("cameras", [])) or "—"
    parts.append(f"<p>{esc(tr('consult.sum.cameras', lang, names=cams))}<br>"
                 f"{esc(tr('consult.sum.evidence', lang, n=s.get('evidence', 0)))}</p>")
    parts.append(f"<h4>{esc(tr('consult.sum.decisions', lang))}</h4>")
    decisions = s.get("decisions", [])
    if decisions:
        parts.append("<ul>")
        for d in decisions:
            who = actor_name(str(d.get("actor", "")), view.names, lang)
            what = (kv(tr("consult.sum.note", lang), str(d.get("text", "")), lang) if d.get("action") == "note"
                    else paren(label("action", d.get("action"), lang), label("state", d.get("to_state"), lang), lang)
                    if d.get("to_state") else label("action", d.get("action"), lang))
            parts.append(f"<li>{esc(_when(d.get('at')))} · {esc(who)} · {esc(what)}</li>")
        parts.append("</ul>")
    else:
        parts.append(f"<p>{esc(tr('consult.sum.no_decisions', lang))}</p>")
    conclusion = (s.get("conclusion") or "").strip()
    parts.append(f"<p><b>{esc(tr('consult.sum.conclusion', lang, text=conclusion) if conclusion else tr('consult.sum.no_conclusion', lang))}</b></p>")
    return ("<div class='zz-summary' style='padding:10px 16px;border:1px solid #24324a;border-radius:8px;"
            "line-height:1.6'>" + "".join(parts) + "</div>")


def _dur(seconds: Any, lang: str) -> str:
    seconds = max(0, int(seconds or 0))
    if seconds < 60:
        return tr("consult.dur.s", lang, s=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return tr("consult.dur.m", lang, m=minutes)
    return tr("consult.dur.hm", lang, h=minutes // 60, m=minutes % 60)


def end(viewer: Principal, view: SessionView) -> None:
    doc = view.doc
    if not doc["open"]:
        st.info(t("consult.ended"))
        if doc["summary"]:
            st.subheader(t("consult.summary"))
            st.html(summary_html(view, current_lang()))
        return
    if not viewer.has(*DESK):
        return
    with st.form(f"end_{doc['id']}"):
        conclusion = st.text_area(t("consult.conclusion"), max_chars=4000)
        if st.form_submit_button(t("consult.end"), type="primary"):
            if run(record.end_session, viewer, doc["id"], conclusion=conclusion) is not None:
                media().close_room_threadsafe(str(doc["id"]))
                st.rerun()

