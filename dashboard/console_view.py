"""Drawing the dispatch console: queues, the case page and the intake form."""

from __future__ import annotations

import streamlit as st

from dashboard import console
from dashboard.chrome import text_heading
from dashboard.components.wall import video_wall
from dashboard.context import services
from dashboard.forms import action_form
from dashboard.i18n import current_lang, label, t
from dashboard.scope import CenterRef
from dispatch.errors import DispatchError
from dispatch.models import Center
from dispatch.principal import Principal
from dispatch.registry import subtree_filter
from dispatch.types import CaseKind, Channel, Complexity, Risk

INTAKE_CHANNELS = (Channel.WALK_IN.value, Channel.HOTLINE_12345.value)


def open_case(case_id: int | None) -> None:
    st.session_state["case_id"] = case_id
    if case_id is None:
        st.query_params.pop("case", None)
    else:
        st.query_params["case"] = str(case_id)


def selected_case() -> int | None:
    """The open case: the URL's ``?case=`` (links from alerts) or the session's choice."""
    raw = st.query_params.get("case", "")
    found = int(raw) if raw.isdigit() else None
    st.session_state["case_id"] = found
    return found


def queues(viewer: Principal, center: CenterRef) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        counts = console.queue_counts(session, viewer, center.path)
    keys = [q.key for q in console.QUEUES]
    chosen = st.segmented_control(
        t("console.title"), keys, default=st.session_state.get("queue", keys[0]), key="queue_pick",
        format_func=lambda k: f"{t(f'console.queue.{k}')} {counts.get(k, 0)}",
        label_visibility="collapsed",
    ) or keys[0]
    st.session_state["queue"] = chosen
    search = st.text_input(t("console.search"), key="queue_search", label_visibility="collapsed",
                           placeholder=t("console.search"))
    with svc.session_factory() as session:
        rows, total = console.queue_rows(session, viewer, center.path, console.BY_KEY[chosen], lang, search)
    if not rows:
        st.info(t("console.queue.empty"))
        return
    columns = ["number", "title", "state", "risk", "kind", "channel", "center", "reported", "due"]
    headers = {c: t(f"field.{c}") if c not in ("reported", "due") else t(f"field.{c}_at") for c in columns}
    event = st.dataframe(
        [{headers[c]: r[c] for c in columns} for r in rows], hide_index=True, key=f"queue_{chosen}",
        on_select="rerun", selection_mode="single-row", width="stretch",
    )
    picked = event.selection.rows if event and event.selection else []
    if picked:
        open_case(rows[picked[0]]["id"])
        st.rerun()
    with st.container(horizontal=True, key="quick_open"):  # one click opens the newest cases
        for row in rows[:6]:
            st.button(f"{t('console.open_case')} {row['number']}", key=f"open_{row['id']}",
                      on_click=open_case, args=(row["id"],), type="tertiary")


def case_page(viewer: Principal, case_id: int) -> None:
    lang = current_lang()
    svc = services()
    st.button(t("console.back"), on_click=open_case, args=(None,), icon=":material/arrow_back:")
    try:
        with svc.session_factory() as session:
            view = console.load_case(session, viewer, case_id, lang)
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
                 t("field.center"): view.center_name, t("field.reported_at"): console.local(case.reported_at),
                 t("field.due_at"): console.local(case.due_at), t("field.reporter"): case.reporter}
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


def actions_panel(viewer: Principal, view: console.CaseView) -> None:
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
            console.act(session, viewer, view.case.id, action, payload, svc.extras["sla"], view.case.version)
    except DispatchError as exc:
        st.error(t("console.refused", error=str(exc)))
        return
    st.session_state["action"] = None
    st.session_state["console_flash"] = t("console.action_done", action=t(f"action.{action}"))
    st.rerun()


def intake_form(viewer: Principal, center: CenterRef) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        centers = session.execute(
            Center.__table__.select().with_only_columns(Center.code, Center.name, Center.level)
            .where(subtree_filter(Center.path, center.path)).order_by(Center.level, Center.code).limit(2000)
        ).all()
    names = {code: f"{name} ({code})" for code, name, _ in centers}
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
            case = console.intake(session, viewer, fields, svc.extras["sla"])
            number, case_id = case.number or str(case.id), case.id
    except DispatchError as exc:
        st.error(t("intake.failed", error=str(exc)))
        return
    st.session_state["console_flash"] = t("intake.created", number=number)
    open_case(case_id)
    st.rerun()
