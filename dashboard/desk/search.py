"""搜索: one box over :func:`dispatch.desk.search.search_cases` (number or any fragment of it,
title, description, reporter and phone, address, grid; open and finished cases)."""

from __future__ import annotations

import streamlit as st

from dashboard.desk.rows import RISK_COLOR, Row, draw_rows, facts
from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dispatch.desk.search import SearchHit, search_cases
from dispatch.principal import Principal

PAGE = 20


def search_box() -> str:
    """The query typed in the desk's one search box ('' when empty)."""
    return st.text_input(
        t("desk.search.label"), key="desk_search", max_chars=64, label_visibility="collapsed",
        placeholder=t("desk.search.placeholder"),
    ).strip()


def search_results(viewer: Principal, query: str) -> None:
    """The matches of ``query`` in the viewer's scope, newest first, the exact number on top."""
    key = "search_offset"
    if st.session_state.get("search_query") != query:  # a new query starts on its first page
        st.session_state["search_query"] = query
        st.session_state[key] = 0
    offset = int(st.session_state.get(key, 0))
    with services().session_factory() as session:
        result = search_cases(session, viewer, query, limit=PAGE, offset=offset, followed=True)
    if result.too_short:
        st.info(t("desk.search.too_short"))
        return
    if not result.items:
        st.info(t("desk.search.none"))
        return
    st.caption(t("desk.search.found"))
    draw_rows([hit_row(hit) for hit in result.items], "search")
    if offset or result.has_more:
        with st.container(horizontal=True, key="search_pager"):
            st.button(t("desk.prev"), key="search_prev", disabled=offset == 0,
                      on_click=_move, args=(key, max(0, offset - PAGE)))
            st.button(t("desk.next"), key="search_next", disabled=not result.has_more,
                      on_click=_move, args=(key, offset + PAGE))


def hit_row(hit: SearchHit) -> Row:
    lang = current_lang()
    state_colour = "gray" if hit.finished else "blue"
    return Row(
        number=hit.number, title=hit.title,
        badges=((label("state", hit.state, lang), state_colour),
                (label("risk", hit.risk, lang), RISK_COLOR.get(hit.risk, "gray"))),
        facts=facts(
            label("kind", hit.kind, lang),
            label("sub_kind", hit.sub_kind, lang) if hit.sub_kind else None,
            hit.center_name,
            t("desk.grid", name=hit.grid_name) if hit.grid_name else None,
            hit.address, hit.reporter,
            t("desk.phone", phone=hit.reporter_phone_masked) if hit.reporter_phone_masked else None,
            t("desk.reported", time=local_time(hit.reported_at)),
            t("desk.closed", time=local_time(hit.closed_at)) if hit.closed_at else None,
        ),
    )  # fmt: skip


def _move(key: str, offset: int) -> None:
    st.session_state[key] = offset
