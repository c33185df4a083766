"""Drawing the alert center: one row per camera or case (with a count), selection and bulk
acknowledgement with one note, who acknowledged and when, each alert's trail, the sound cue."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
import streamlit as st

from dashboard.alerts.beep import beep
from dashboard.alerts.groups import AlertGroup, group_alerts
from dashboard.alerts.text import alert_text
from dashboard.i18n import current_lang, label, t, tr
from dashboard.i18n.dates import local_time
from dashboard.server.pages import PAGES
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.accounts.models import User
from dispatch.alerts import AlertFilter, ack_alerts, find_alerts, may_ack
from dispatch.duty.steps import REASONED, trail
from dispatch.errors import DispatchError
from dispatch.models import Alert, AlertStep, Camera, Case, Center
from dispatch.principal import Principal
from dispatch.scopes import CenterRef

COLOR = {"critical": "red", "warning": "orange", "info": "blue"}
PAGE_SIZE = 20  # groups per page: the list stays within a screen or two


@dataclass
class Names:
    """Display names the rows need, read in one session."""

    centers: dict[str, str]
    cameras: dict[str, str]
    cases: dict[int, str]
    people: dict[str, str]
    steps: dict[int, list[AlertStep]]

    def person(self, actor: str | None) -> str:
        if not actor:
            return "—"
        name = self.people.get(actor)
        return f"{name}（{actor}）" if name and name != actor else actor


def read_names(session: sa.orm.Session, alerts: list[Alert]) -> Names:
    steps = trail(session, [a.id for a in alerts])
    paths = {a.center_path for a in alerts} | {a.notified_path for a in alerts if a.notified_path}
    actors = {a.acked_by for a in alerts if a.acked_by}
    for rows in steps.values():
        for row in rows:
            paths.add(row.center_path or "")
            actors.update(p.strip() for p in (row.person or "").split(","))
    cams = {a.camera_id for a in alerts if a.camera_id}
    cases = {a.case_id for a in alerts if a.case_id}
    return Names(
        centers=dict(session.execute(sa.select(Center.path, Center.name).where(Center.path.in_(paths))).all()),
        cameras=dict(session.execute(sa.select(Camera.id, Camera.name).where(Camera.id.in_(cams))).all()),
        cases=dict(session.execute(sa.select(Case.id, Case.number).where(Case.id.in_(cases))).all()),
        people=dict(session.execute(sa.select(User.username, User.display_name).where(User.username.in_(actors))).all()),
        steps=steps,
    )


def flash(kind: str, text: str, seconds: float = 8.0) -> None:
    """A message shown above the list for the next ``seconds``."""
    st.session_state["alerts_flash"] = (kind, text, time.monotonic() + seconds)


def acknowledge(viewer: Principal, alert_ids: list[int], note: str = "") -> None:
    """Acknowledge ``alert_ids`` as the viewer, all or none, and say so on the next run."""
    try:
        with services().session_factory.begin() as session:
            ack_alerts(session, viewer, alert_ids, note or None)
    except DispatchError as exc:
        flash("error", t("misc.error", error=md(str(exc))))
        return
    if len(alert_ids) == 1:
        flash("success", t("alerts.ack_done", id=alert_ids[0]))
    else:
        flash("success", t("alerts.bulk_done", n=len(alert_ids)))
    for key in [k for k in st.session_state if str(k).startswith("sel_")]:
        st.session_state[key] = False
    st.session_state["alerts_note"] = ""


def bulk_acknowledge(viewer: Principal, groups: dict[str, list[int]]) -> None:
    chosen = [i for key, ids in groups.items() if st.session_state.get(f"sel_{key}") for i in ids]
    if chosen:
        acknowledge(viewer, chosen, st.session_state.get("alerts_note", "").strip())


def select_all(keys: list[str], value: bool) -> None:
    for key in keys:
        st.session_state[f"sel_{key}"] = value


def attention(viewer: Principal, alerts: list[Alert]) -> int:
    """How many new critical alerts (or escalations to the viewer's own center) appeared since
    this page first looked: the count the sound cue follows."""
    marks = {f"{a.id}" for a in alerts if a.severity == "critical" and a.acked_at is None}
    marks |= {f"{a.id}@{a.escalation_step}" for a in alerts
              if a.acked_at is None and a.notified_path == viewer.center_path}
    seen: set[str] | None = st.session_state.get("alerts_seen")
    if seen is None:
        st.session_state["alerts_seen"] = marks
        st.session_state["alerts_new"] = 0
        st.session_state["alerts_fresh"] = set()
        return 0
    fresh = marks - seen
    if fresh:
        st.session_state["alerts_seen"] = seen | marks
        st.session_state["alerts_new"] = st.session_state.get("alerts_new", 0) + len(fresh)
        st.session_state["alerts_fresh"] = st.session_state.get("alerts_fresh", set()) | fresh
    return int(st.session_state.get("alerts_new", 0))


def still_new(alerts: list[Alert]) -> int:
    """Of the new arrivals, how many are still unacknowledged (the banner's count)."""
    waiting = {f"{a.id}" for a in alerts if a.acked_at is None} | {
        f"{a.id}@{a.escalation_step}" for a in alerts if a.acked_at is None}
    return len(st.session_state.get("alerts_fresh", set()) & waiting)


def step_line(row: AlertStep, names: Names, lang: str) -> str:
    parts = [local_time(row.at), tr(f"alert_step.{row.step}", lang)]
    if row.center_path and row.step in ("notified", "renotified", "escalated", *REASONED):
        parts.append(names.centers.get(row.center_path, row.center_path))
    if row.person:
        parts.append(", ".join(names.person(p.strip()) for p in row.person.split(",")))
    elif row.note == "no_one_on_duty":
        parts.append(tr("alert_step.no_one_on_duty", lang))
    if row.note and row.step in REASONED:  # the case action that moved or closed it
        parts.append(tr("alert_step.reason", lang, action=label("action", row.note, lang)))
    elif row.note and row.note != "no_one_on_duty":
        parts.append(tr("alerts.note", lang) + row.note)
    return " · ".join(parts)


def draw_group(viewer: Principal, group: AlertGroup, names: Names, lang: str) -> None:
    alert = group.lead
    unacked = [a.id for a in group.unacked if may_ack(viewer, a)]
    with st.container(border=True, key=f"alert_{alert.id}"):
        with st.container(horizontal=True, vertical_alignment="center"):
            if unacked:
                st.checkbox(t("alerts.select"), key=f"sel_{group.key}", label_visibility="collapsed")
            st.badge(label("severity", alert.severity, lang), color=COLOR.get(alert.severity, "gray"), width=70)
            st.markdown(f"**{label('alert', alert.kind, lang)}**", width=140)
            if group.count > 1:
                st.badge(t("alerts.times", n=int(group.count)), color="violet")
            st.text(f"{names.centers.get(alert.center_path, alert.center_path)} · {local_time(alert.raised_at)}"
                    f"　{alert_text(alert.kind, alert.params, alert.message, lang)}", width="stretch")
            if alert.camera_id:
                st.page_link(PAGES["wall"], label=f"{t('alerts.camera')} · {md(names.cameras.get(alert.camera_id, alert.camera_id))}",
                             icon=":material/videocam:", query_params={"focus": alert.camera_id})
                # The recording around the alert: its second, a clip can be kept from there.
                st.page_link(PAGES["recordings"], label=t("rec.replay"), icon=":material/history:",
                             query_params={"camera": alert.camera_id, "at": f"{alert.raised_at.timestamp():.0f}"})
            if names.cases.get(alert.case_id or 0):  # the desk opens a case by its number
                number = names.cases[alert.case_id or 0]
                st.page_link(PAGES["dispatch"], label=f"{t('alerts.case')} {md(number)}",
                             icon=":material/assignment:", query_params={"case": number})
            with st.popover(t("alerts.trail"), icon=":material/timeline:"):
                for member in group.alerts:
                    st.text(f"#{member.id} {label('alert', member.kind, lang)}")
                    for row in names.steps.get(member.id, []):
                        st.text("  " + step_line(row, names, lang))
            if unacked:
                st.button(t("alerts.ack"), key=f"ack_{alert.id}", type="primary",
                          on_click=acknowledge, args=(viewer, unacked))
        draw_status(group, names, lang)


def draw_status(group: AlertGroup, names: Names, lang: str) -> None:
    """Who was notified, who acknowledged when (and their note), cleared: as plain text."""
    alert = group.lead
    lines: list[str] = []
    if alert.acked_at is None and alert.notified_path:
        steps = [s for s in names.steps.get(alert.id, []) if s.center_path == alert.notified_path
                 and s.step in ("notified", "renotified", "escalated")]
        people = steps[-1].person if steps and steps[-1].person else None
        who = ", ".join(names.person(p.strip()) for p in people.split(",")) if people else t("alerts.nobody")
        line = t("alerts.notified_line", center=names.centers.get(alert.notified_path, alert.notified_path), people=who)
        if alert.next_step_at:
            line += " · " + t("alerts.next_step", time=local_time(alert.next_step_at))
        lines.append(line)
    for member in group.alerts:
        if member.acked_at is not None:
            line = t("alerts.acked_line", who=names.person(member.acked_by), time=local_time(member.acked_at))
            if member.ack_note:
                line += " · " + t("alerts.note") + member.ack_note
            lines.append(line)
            break
    if alert.cleared_at is not None:
        lines.append(t("alerts.cleared_line", time=local_time(alert.cleared_at)))
    if len(group.alerts) > 1:
        lines.append(t("alerts.group_members", n=len(group.alerts) - 1))
    for line in lines:
        st.text(line)


@st.fragment(run_every=2)
def live_alerts(viewer: Principal, center: CenterRef, flt: AlertFilter, sound: bool) -> None:
    lang = current_lang()
    with services().session_factory() as session:
        alerts = find_alerts(session, viewer, center.path, flt, limit=1000)
        every = group_alerts(alerts)
        pages = max(1, -(-len(every) // PAGE_SIZE))
        page = min(int(st.session_state.get("alerts_page", 0)), pages - 1)
        groups = every[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        names = read_names(session, [a for g in groups for a in g.alerts])
    count = attention(viewer, alerts if flt.acked is not True else [])
    beep(count, enabled=sound, ready=t("alerts.sound_ready"), locked=t("alerts.sound_locked"))
    message = st.session_state.get("alerts_flash")
    if message:
        kind, text, until = message
        if time.monotonic() < until:  # kept a few runs: a timer rerun may cut the first short
            getattr(st, kind)(text)
        else:
            del st.session_state["alerts_flash"]
    waiting = still_new(alerts)
    if waiting:
        st.error(f"{t('alerts.new_critical')} ({waiting})", icon=":material/notifications_active:")
    unacked = sum(1 for a in alerts if a.acked_at is None)
    st.caption(" · ".join([t("alerts.count", n=unacked), t("alerts.groups", groups=len(every), alerts=len(alerts)),
                           t("wall.updated", time=local_time(datetime.now(UTC)))]))
    if not alerts:
        st.info(t("alerts.none"))
        return
    ackable = {g.key: [a.id for a in g.unacked if may_ack(viewer, a)] for g in groups}
    ackable = {k: v for k, v in ackable.items() if v}
    if ackable:
        chosen = sum(1 for k in ackable if st.session_state.get(f"sel_{k}"))
        with st.container(horizontal=True, vertical_alignment="bottom", key="alerts_bulk"):
            st.button(t("alerts.select_all"), key="alerts_select_all", on_click=select_all, args=(list(ackable), True))
            st.button(t("alerts.select_none"), key="alerts_select_none", on_click=select_all, args=(list(ackable), False))
            st.text_input(t("alerts.bulk_note"), key="alerts_note", max_chars=500,
                          placeholder=t("alerts.bulk_note_hint"), width=360)
            st.button(t("alerts.bulk_ack", n=chosen), key="alerts_bulk_ack", type="primary",
                      disabled=not chosen, on_click=bulk_acknowledge, args=(viewer, ackable))
    if pages > 1:
        pager(page, pages, "top")
    for group in groups:
        draw_group(viewer, group, names, lang)
    if pages > 1:
        pager(page, pages, "bottom")


def turn(to: int) -> None:
    st.session_state["alerts_page"] = to


def pager(page: int, pages: int, where: str) -> None:
    with st.container(horizontal=True, vertical_alignment="center", key=f"alerts_pager_{where}"):
        st.button(t("alerts.page_prev"), key=f"alerts_prev_{where}", disabled=page == 0,
                  on_click=turn, args=(page - 1,), icon=":material/chevron_left:")
        st.text(t("alerts.page", page=page + 1, pages=pages))
        st.button(t("alerts.page_next"), key=f"alerts_next_{where}", disabled=page >= pages - 1,
                  on_click=turn, args=(page + 1,), icon=":material/chevron_right:")
