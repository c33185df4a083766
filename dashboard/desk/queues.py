"""The desk's queues: one segmented control with counts, a search, the newest cases."""

from __future__ import annotations

import streamlit as st

from dashboard.desk import data
from dashboard.desk.selection import open_case
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dispatch.principal import Principal
from dispatch.scopes import CenterRef


def queues(viewer: Principal, center: CenterRef) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        counts = data.queue_counts(session, viewer, center.path)
    keys = [q.key for q in data.QUEUES]
    chosen = st.segmented_control(
        t("console.title"), keys, default=st.session_state.get("queue", keys[0]), key="queue_pick",
        format_func=lambda k: f"{t(f'console.queue.{k}')} {counts.get(k, 0)}",
        label_visibility="collapsed",
    ) or keys[0]
    st.session_state["queue"] = chosen
    search = st.text_input(t("console.search"), key="queue_search", label_visibility="collapsed",
                           placeholder=t("console.search"))
    with svc.session_factory() as session:
        rows, total = data.queue_rows(session, viewer, center.path, data.BY_KEY[chosen], lang, search)
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
