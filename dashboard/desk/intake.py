"""The intake form: a walk-in or 12345 hotline case registered at a center of the scope."""

from __future__ import annotations

import streamlit as st

from dashboard.desk import data
from dashboard.desk.selection import open_case
from dashboard.i18n import current_lang, label, t
from dashboard.server.services import services
from dispatch.casefile import intake_centers
from dispatch.errors import DispatchError
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.types import CaseKind, Channel, Complexity, Risk

INTAKE_CHANNELS = (Channel.WALK_IN.value, Channel.HOTLINE_12345.value)


def intake_form(viewer: Principal, center: CenterRef) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        centers = intake_centers(session, viewer, center.path)
    names = {code: f"{name} ({code})" for code, name in centers}
    with st.form("intake", clear_on_submit=False):
        st.markdown(f"**{t('intake.title')}**")
        channel = st.radio(t("field.channel"), INTAKE_CHANNELS, horizontal=True, key="in_channel",
                           format_func=lambda c: label("channel", c, lang))
        title = st.text_input(t("field.title") + " *", key="in_title", max_chars=200)
        description = st.text_area(t("field.description"), key="in_description", height=90)
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(t("field.kind"), [k.value for k in CaseKind], key="in_kind",
                            format_func=lambda k: label("kind", k, lang))
        risk = c2.selectbox(t("field.risk"), [r.value for r in Risk], index=2, key="in_risk",
                            format_func=lambda r: label("risk", r, lang))
        complexity = c3.selectbox(t("field.complexity"), [None, *[c.value for c in Complexity]], key="in_complexity",
                                  format_func=lambda c: "—" if c is None else label("complexity", c, lang))
        target = st.selectbox(t("field.center"), list(names), key="in_center", format_func=names.get)
        c4, c5 = st.columns(2)
        reporter = c4.text_input(t("field.reporter"), key="in_reporter", max_chars=64)
        external = c5.text_input(t("field.external_id"), key="in_external", max_chars=128)
        c6, c7 = st.columns(2)
        leader = c6.text_input(t("field.leader"), key="in_leader", max_chars=50)
        plan = c7.text_input(t("field.plan"), key="in_plan")
        submitted = st.form_submit_button(t("console.submit"), type="primary")
    if not submitted:
        return
    fields = {"title": title.strip(), "description": description.strip(), "kind": kind, "channel": channel,
              "center": target, "risk": risk, "complexity": complexity, "reporter": reporter.strip(),
              "external_id": external.strip(), "leader": leader.strip(), "plan": plan.strip()}
    try:
        with svc.session_factory.begin() as session:
            case = data.intake(session, viewer, fields, svc.sla)
            number, case_id = case.number or str(case.id), case.id
    except DispatchError as exc:
        st.error(t("intake.failed", error=str(exc)))
        return
    st.session_state["console_flash"] = t("intake.created", number=number)
    open_case(case_id)
    st.rerun()
