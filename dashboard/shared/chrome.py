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
from dashboard.shared.text import md
from dispatch import scopes
from dispatch.principal import Principal, Role

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
            st.error(t(exc.key, code=md(str(exc.code))))
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
            # Center names come from the deployment file: shown as text, never as Markdown.
            name = f"{md(ref.name)} · {label('level', str(ref.level), current_lang())}"
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


WHO_CSS = """
<style>
.zz-who { border-top: 1px solid rgba(128,128,128,.3); margin-top: .4rem; padding-top: .6rem;
  font-size: .9rem; line-height: 1.45; }
.zz-who .zz-who-name { font-weight: 700; font-size: 1rem; }
.zz-who .zz-who-user { opacity: .7; font-weight: 400; }
.zz-who .zz-who-k { opacity: .7; }
.zz-who form { margin: .5rem 0 0 0; }
.zz-who button { font: inherit; padding: .3rem .9rem; border-radius: .4rem; cursor: pointer;
  border: 1px solid rgba(128,128,128,.5); background: transparent; color: inherit; }
.zz-who button:hover { border-color: #ef4444; color: #ef4444; }
</style>
"""


def viewer_is_admin() -> bool:
    """True when the page's viewer is a signed-in administrator (who sees the admin page)."""
    if not installed() or not services().accounts_on:
        return False
    try:
        viewer = page_principal()
    except NotAuthenticated:
        return False
    return Role.ADMIN in viewer.roles and viewer.allowed_actions is None


def home_center_name(path: str) -> str:
    from sqlalchemy import select

    from dispatch.models import Center

    with services().session_factory() as session:
        return session.scalar(select(Center.name).where(Center.path == path)) or path


def who_am_i() -> None:
    """Who is signed in (name, roles, home center) and a logout button, in the sidebar.

    The button posts to ``/logout`` with the session's CSRF token (the same value the
    ``zongzhi_csrf`` cookie holds): the session ends on the server, its cookies are cleared and
    the browser lands on the login page. Every value is escaped.
    """
    if not installed() or not services().accounts_on:
        return
    try:
        viewer = page_principal()
    except NotAuthenticated:
        return
    from dashboard.auth.cookies import CSRF_FIELD, SESSION_COOKIE, csrf_for_session

    lang = current_lang()
    token = st.context.cookies.get(SESSION_COOKIE)
    token = token if isinstance(token, str) else ""  # absent (or not a browser: AppTest)
    roles = "、".join(label("role", r.value, lang) for r in sorted(viewer.roles, key=lambda r: r.value))
    name = viewer.name or viewer.actor
    user = f' <span class="zz-who-user">({html.escape(viewer.actor)})</span>' if name != viewer.actor else ""
    st.html(
        f'{WHO_CSS}<div class="zz-who" id="zz-who">'
        f'<div class="zz-who-k">{html.escape(t("who.signed_in"))}</div>'
        f'<div class="zz-who-name" id="zz-who-name">{html.escape(name)}{user}</div>'
        f'<div><span class="zz-who-k">{html.escape(t("who.role"))}：</span>'
        f'<span id="zz-who-roles">{html.escape(roles)}</span></div>'
        f'<div><span class="zz-who-k">{html.escape(t("who.center"))}：</span>'
        f'<span id="zz-who-center">{html.escape(home_center_name(viewer.center_path))}</span></div>'
        '<form method="post" action="/logout" id="zz-logout">'
        f'<input type="hidden" name="{html.escape(CSRF_FIELD)}" value="{html.escape(csrf_for_session(token))}">'
        f'<button type="submit">{html.escape(t("who.logout"))}</button></form></div>'
    )
