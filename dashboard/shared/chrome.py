"""What every page shares: language switch, kiosk mode, the scope with its breadcrumb.

The scope (a center code) lives in ``st.session_state["scope"]`` and in the URL's ``?scope=``
so a link or a kiosk screen opens on the same center. Drill-down widgets sit in one keyed
container: however many breadcrumb buttons it holds, elements after it keep their place, so
the wall component below is never remounted by a scope change.
"""

from __future__ import annotations

import html

import streamlit as st

from dashboard.i18n import LANGS, current_lang, label, t
from dashboard.server.access import NotAuthenticated, page_principal
from dashboard.server.services import installed, services
from dispatch import scopes
from dispatch.principal import Principal

KIOSK_CSS = """
<style>
header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
footer { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
[data-testid="stAppViewContainer"] { background: #05080f; }
</style>
"""

PAGE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
.zz-crumb { font-size: 1.05rem; }
.zz-title { font-size: 1.5rem; font-weight: 700; margin: 0 0 .2rem 0; letter-spacing: .05em; }
</style>
"""


def is_kiosk() -> bool:
    return st.query_params.get("kiosk") in ("1", "true", "yes")


def language_switch() -> None:
    lang = current_lang()
    choice = st.sidebar.radio(
        t("nav.language"), LANGS, index=LANGS.index(lang), horizontal=True,
        format_func=lambda code: "中文" if code == "zh-CN" else "English", key="lang_switch",
    )
    if choice != lang:
        st.session_state["lang"] = choice
        st.query_params["lang"] = choice
        st.rerun()


def principal() -> Principal | None:
    """The viewer, or None after showing why there is none."""
    if not installed():
        st.error(t("nav.not_running"))
        return None
    try:
        return page_principal()
    except NotAuthenticated:
        st.warning(t("misc.login_required"))
        st.link_button(t("misc.login_required"), "/login")
        return None


def current_scope(viewer: Principal) -> scopes.CenterRef | None:
    """The center the pages look at (``?scope=`` or the session's), checked against viewer."""
    wanted = st.query_params.get("scope") or st.session_state.get("scope")
    with services().session_factory() as session:
        try:
            center = scopes.resolve(session, viewer, wanted)
        except scopes.ScopeError as exc:
            st.error(t(exc.key, code=exc.code))
            center = scopes.resolve(session, viewer, None)
    set_scope(center.code)
    return center


def set_scope(code: str) -> None:
    st.session_state["scope"] = code
    if st.query_params.get("scope") != code:
        st.query_params["scope"] = code


def _go(code: str) -> None:
    set_scope(code)


def scope_bar(viewer: Principal, center: scopes.CenterRef) -> None:
    """Breadcrumb (click to go up) and a child picker (drill down), in one container."""
    with services().session_factory() as session:
        trail = scopes.breadcrumb(session, viewer, center)
        kids = scopes.children(session, center)
    with st.container(key="scopebar", horizontal=True, vertical_alignment="center"):
        for ref in trail:
            name = f"{ref.name} · {label('level', str(ref.level), current_lang())}"
            st.button(
                name, key=f"crumb_{ref.code}", on_click=_go, args=(ref.code,),
                type="primary" if ref.code == center.code else "tertiary",
                disabled=ref.code == center.code,
            )
        if kids:
            options = [""] + [k.code for k in kids]
            names = {k.code: k.name for k in kids} | {"": t("scope.choose")}
            # The key carries the language: a select box keeps the option text it first drew.
            picked = st.selectbox(
                t("scope.drill"), options, index=0, key=f"drill_{center.code}_{current_lang()}",
                format_func=names.__getitem__,  # the label read now, in this run's language
                label_visibility="collapsed", width=260,
            )
            if picked:
                set_scope(picked)
                st.rerun()


def page_header(title_key: str) -> None:
    st.html(f'{PAGE_CSS}<div class="zz-title">{html.escape(t(title_key))}</div>')


def text_heading(text: str) -> None:
    """A heading whose text comes from users: escaped, never read as Markdown or HTML."""
    st.html(f'<div class="zz-title" style="font-size:1.25rem">{html.escape(text)}</div>')
