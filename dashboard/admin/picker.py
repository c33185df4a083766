"""A center chosen by clicking: the trail from the administrator's home center down to the
chosen one (click to go up) and the chosen center's children (click to go down)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import current_lang, label, t
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch import scopes
from dispatch.principal import Principal


def center_picker(viewer: Principal, key: str) -> scopes.CenterRef:
    """The center picked under ``key`` (the viewer's home until one is clicked)."""
    state = f"pick_{key}"
    with services().session_factory() as session:
        try:
            chosen = scopes.resolve(session, viewer, st.session_state.get(state))
        except scopes.ScopeError:
            chosen = scopes.resolve(session, viewer, None)
        trail = scopes.breadcrumb(session, viewer, chosen)
        kids = scopes.children(session, chosen)
    lang = current_lang()
    st.markdown(t("admin.picked", center=f"**{md(chosen.name)}**"))
    with st.container(key=f"{key}_trail", horizontal=True):
        for ref in trail:
            st.button(
                f"{md(ref.name)} · {label('level', str(ref.level), lang)}",
                key=f"{key}_up_{ref.code}", type="primary" if ref.code == chosen.code else "tertiary",
                disabled=ref.code == chosen.code, on_click=_pick, args=(state, ref.code),
            )
    if kids:
        with st.container(key=f"{key}_kids", horizontal=True):
            for ref in kids:
                st.button(md(ref.name), key=f"{key}_down_{ref.code}", on_click=_pick,
                          args=(state, ref.code), type="secondary")
    return chosen


def _pick(state: str, code: str) -> None:
    st.session_state[state] = code
