"""Drawing the duty alerts: a live list by severity, the cue for new critical ones, ack."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.alerts.beep import beep
from dashboard.alerts.text import alert_text
from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.pages import PAGES
from dashboard.server.services import services
from dispatch.alerts import ack_alert, list_alerts
from dispatch.errors import DispatchError
from dispatch.models import Alert, Camera, Case, Center
from dispatch.principal import Principal
from dispatch.scopes import CenterRef

SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
COLOR = {"critical": "red", "warning": "orange", "info": "blue"}


def ordered(alerts: list[Alert]) -> list[Alert]:
    """Unacknowledged first, then by severity, newest first within each."""
    newest = sorted(alerts, key=lambda a: a.raised_at, reverse=True)
    return sorted(newest, key=lambda a: (a.acked_at is not None, SEVERITY_RANK.get(a.severity, 9)))


def acknowledge(viewer: Principal, alert_id: int) -> None:
    try:
        with services().session_factory.begin() as session:
            ack_alert(session, viewer, alert_id)
    except DispatchError as exc:
        st.session_state["alerts_flash"] = ("error", t("misc.error", error=str(exc)))
        return
    st.session_state["alerts_flash"] = ("success", t("alerts.ack_done", id=alert_id))


def new_critical(alerts: list[Alert]) -> int:
    """How many unacknowledged critical alerts appeared since this page first looked."""
    ids = {a.id for a in alerts if a.severity == "critical" and a.acked_at is None}
    seen: set[int] | None = st.session_state.get("alerts_seen")
    if seen is None:
        st.session_state["alerts_seen"] = ids
        st.session_state["alerts_new"] = 0
        return 0
    fresh = ids - seen
    if fresh:
        st.session_state["alerts_seen"] = seen | ids
        st.session_state["alerts_new"] = st.session_state.get("alerts_new", 0) + len(fresh)
    return int(st.session_state.get("alerts_new", 0))


@st.fragment(run_every=2)
def live_alerts(viewer: Principal, center: CenterRef, show_acked: bool, sound: bool) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        alerts = ordered(list_alerts(session, viewer, center.path, open_only=not show_acked,
                                     unacked_only=not show_acked, limit=200))
        centers = dict(session.query(Center.path, Center.name).filter(
            Center.path.in_({a.center_path for a in alerts})).all()) if alerts else {}
        cam_names = dict(session.query(Camera.id, Camera.name).filter(
            Camera.id.in_({a.camera_id for a in alerts if a.camera_id})).all()) if alerts else {}
        numbers = dict(session.query(Case.id, Case.number).filter(
            Case.id.in_({a.case_id for a in alerts if a.case_id})).all()) if alerts else {}
    count = new_critical(alerts)
    beep(count, enabled=sound)
    flash = st.session_state.pop("alerts_flash", None)
    if flash:
        getattr(st, flash[0])(flash[1])
    if count:
        st.error(f"{t('alerts.new_critical')} ({count})", icon=":material/notifications_active:")
    unacked = sum(1 for a in alerts if a.acked_at is None)
    st.caption(t("alerts.count", n=unacked) + " · " + t("wall.updated", time=local_time(datetime.now(UTC))))
    if not alerts:
        st.info(t("alerts.none"))
        return
    for alert in alerts[:100]:
        with st.container(border=True, key=f"alert_{alert.id}", horizontal=True, vertical_alignment="center"):
            st.badge(label("severity", alert.severity, lang), color=COLOR.get(alert.severity, "gray"), width=70)
            st.markdown(f"**{label('alert', alert.kind, lang)}**", width=150)
            with st.container():
                st.text(f"{centers.get(alert.center_path, '')} · {local_time(alert.raised_at)}")
                st.text(alert_text(alert.kind, alert.params, alert.message, lang))
            if alert.camera_id:
                st.page_link(PAGES["wall"], label=f"{t('alerts.camera')} · {cam_names.get(alert.camera_id, alert.camera_id)}",
                             icon=":material/videocam:", query_params={"focus": alert.camera_id})
            if numbers.get(alert.case_id):  # the desk opens a case by its number
                st.page_link(PAGES["dispatch"], label=f"{t('alerts.case')} {numbers[alert.case_id]}",
                             icon=":material/assignment:", query_params={"case": numbers[alert.case_id]})
            if alert.acked_at is None:
                st.button(t("alerts.ack"), key=f"ack_{alert.id}", type="primary",
                          on_click=acknowledge, args=(viewer, alert.id))
            else:
                st.caption(t("alerts.acked", who=alert.acked_by or ""))
