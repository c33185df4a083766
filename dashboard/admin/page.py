"""账号与令牌 · the administrator's page: accounts and API tokens of its subtree.

Registered for administrators only (``dashboard.server.pages``); it refuses anyone else who
reaches it all the same. Every change goes through :mod:`dispatch.accounts.admin`, which
checks the administrator's scope and writes the access audit. A one-time password or a token
value is shown in the run that made it and never again.
"""

from __future__ import annotations

import streamlit as st

from dashboard.admin.picker import center_picker
from dashboard.i18n import TABLE, current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.chrome import home_center_name, page_header, principal
from dashboard.shared.text import md
from dispatch.accounts import admin, audit
from dispatch.accounts.audit import AuditEvent
from dispatch.accounts.tokens import token_state
from dispatch.accounts.users import USER_ROLES
from dispatch.errors import DispatchError
from dispatch.localtime import TZ
from dispatch.principal import Principal
from dispatch.types import Channel

ROLE_OPTIONS = sorted(r.value for r in USER_ROLES)


def _roles(values: list[str]) -> str:
    lang = current_lang()
    return "、".join(label("role", v, lang) for v in values)


def _channel(name: str, lang: str) -> str:
    """A token's channel in words; a name from before channels were checked, as stored."""
    return label("channel", name, lang) if name in {c.value for c in Channel} else name


def _grant(action: str) -> str:
    name = label("action", action, current_lang()) if f"action.{action}" in TABLE else t(f"grant.{action}")
    return f"{name} ({action})"


def _failed(exc: Exception) -> None:
    st.error(t("admin.error", reason=md(str(exc))))


def accounts_tab(viewer: Principal) -> None:
    lang = current_lang()
    factory = services().session_factory
    with factory() as session:
        rows = admin.accounts(session, viewer)
        depts = admin.departments(session, viewer)
        table = [
            {
                t("admin.col.username"): u.username,
                t("admin.col.name"): u.display_name or "—",
                t("admin.col.roles"): _roles(u.roles),
                t("admin.col.center"): u.center.name,
                t("admin.col.department"): u.department.name if u.department else "—",
                t("admin.col.state"): label("account_state", "disabled" if u.disabled else "active", lang),
                t("admin.col.last_login"): local_time(u.last_login_at) if u.last_login_at else t("admin.never"),
            }
            for u in rows
        ]
        accounts = {u.username: (u.display_name, list(u.roles), u.department.code if u.department else "", u.disabled) for u in rows}
    dept_names = {"": t("admin.no_department")} | {d.code: f"{d.name} ({d.center.name})" for d in depts}
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader(t("admin.new_account"))
    with st.container(border=True, key="new_account_box"):
        c1, c2 = st.columns(2)
        username = c1.text_input(t("admin.username"), key="new_username", max_chars=32)
        display = c2.text_input(t("admin.display_name"), key="new_display", max_chars=50)
        roles = c1.multiselect(t("admin.roles"), ROLE_OPTIONS, key="new_roles", placeholder=t("admin.choose"),
                               format_func=lambda r: label("role", r, lang))
        dept = c2.selectbox(t("admin.department"), list(dept_names), key="new_dept",
                            format_func=dept_names.__getitem__)
        st.caption(t("admin.home_center"))
        home = center_picker(viewer, "new_account")
        if st.button(t("admin.create"), type="primary", key="create_account"):
            try:
                with factory.begin() as session:
                    user, password = admin.create_account(
                        session, viewer, username, home.code, roles, display_name=display,
                        department=dept or None,
                    )
                    created = user.username
            except (DispatchError, PermissionError, ValueError) as exc:
                _failed(exc)
            else:
                st.success(t("admin.created", username=md(created)))
                st.code(password, language=None)

    if not accounts:
        return
    st.subheader(t("admin.manage"))
    with st.container(border=True, key="manage_box"):
        names = list(accounts)
        chosen = st.selectbox(
            t("admin.choose_account"), names, key="manage_user",
            format_func=lambda n: f"{n} · {accounts[n][0]}" if accounts[n][0] else n,
        )
        _, held, held_dept, disabled = accounts[chosen]
        b1, b2, _ = st.columns([1, 1, 3])
        toggle = b1.button(t("admin.enable") if disabled else t("admin.disable"), key=f"toggle_{chosen}")
        reset = b2.button(t("admin.reset"), key=f"reset_{chosen}")
        if toggle:
            try:
                with factory.begin() as session:
                    admin.set_disabled(session, viewer, chosen, not disabled)
            except (DispatchError, PermissionError) as exc:
                _failed(exc)
            else:
                st.session_state["admin_notice"] = t(
                    "admin.enabled_done" if disabled else "admin.disabled_done", username=md(chosen)
                )
                st.rerun()
        if reset:
            try:
                with factory.begin() as session:
                    password = admin.reset_password(session, viewer, chosen)
            except (DispatchError, PermissionError, ValueError) as exc:
                _failed(exc)
            else:
                st.success(t("admin.reset_done", username=md(chosen)))
                st.code(password, language=None)
        c1, c2 = st.columns(2)
        new_roles = c1.multiselect(t("admin.roles"), ROLE_OPTIONS, default=held, key=f"roles_{chosen}",
                                   placeholder=t("admin.choose"),
                                   format_func=lambda r: label("role", r, lang))
        new_dept = c2.selectbox(t("admin.department"), list(dept_names), key=f"dept_{chosen}",
                                index=list(dept_names).index(held_dept) if held_dept in dept_names else 0,
                                format_func=dept_names.__getitem__)
        if st.button(t("admin.save_roles"), key=f"save_roles_{chosen}"):
            try:
                with factory.begin() as session:
                    admin.set_roles(session, viewer, chosen, new_roles, new_dept or None)
            except (DispatchError, PermissionError, ValueError) as exc:
                _failed(exc)
            else:
                st.session_state["admin_notice"] = t("admin.roles_done", username=md(chosen))
                st.rerun()
        st.caption(t("admin.home_center"))
        target = center_picker(viewer, f"move_{chosen}")
        if st.button(t("admin.move"), key=f"move_{chosen}_go"):
            try:
                with factory.begin() as session:
                    admin.set_home(session, viewer, chosen, target.code)
            except (DispatchError, PermissionError) as exc:
                _failed(exc)
            else:
                st.session_state["admin_notice"] = t("admin.moved", username=md(chosen), center=md(target.name))
                st.rerun()


def tokens_tab(viewer: Principal) -> None:
    lang = current_lang()
    factory = services().session_factory
    with factory() as session:
        rows = admin.api_tokens(session, viewer)
        table = [
            {
                t("admin.col.token"): r.name,
                t("admin.col.prefix"): r.prefix + "…",
                t("admin.col.center"): r.center.name,
                t("admin.col.actions"): "、".join(_grant(a) for a in r.actions),
                t("admin.col.sources"): "、".join(_channel(c, lang) for c in r.sources) if r.sources else "—",
                t("admin.col.expires"): local_time(r.expires_at) if r.expires_at else t("admin.no_expiry"),
                t("admin.col.last_used"): local_time(r.last_used_at) if r.last_used_at else t("admin.never"),
                t("admin.col.state"): label("token_state", token_state(r), lang),
                t("admin.col.created_by"): r.created_by,
            }
            for r in rows
        ]
        active = [r.name for r in rows if token_state(r) == "active"]
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
    else:  # an empty grid reads "empty" in English
        st.caption(t("admin.tokens_none"))
    st.caption(t("admin.times", zone=md(TZ.name)))

    st.subheader(t("admin.new_token"))
    with st.container(border=True, key="new_token_box"):
        c1, c2 = st.columns(2)
        name = c1.text_input(t("admin.token_name"), key="token_name", max_chars=48)
        actions = c2.multiselect(t("admin.token_actions"), admin.grantable_actions(), key="token_actions",
                                 placeholder=t("admin.choose"),
                                 format_func=_grant)
        # The channels it may report on (dispatch.channels): without one a token reports nothing.
        sources = c1.multiselect(t("admin.token_channels"), [c.value for c in Channel], key="token_channels",
                                 placeholder=t("admin.choose"), format_func=lambda c: label("channel", c, lang))
        forever = c2.checkbox(t("admin.token_forever"), key="token_forever")
        days = c2.number_input(t("admin.token_expires"), min_value=1, max_value=admin.MAX_TOKEN_DAYS,
                               value=365, step=1, key="token_days", disabled=forever)
        st.caption(t("admin.token_center"))
        center = center_picker(viewer, "token")
        if st.button(t("admin.token_create"), type="primary", key="create_token"):
            try:
                with factory.begin() as session:
                    row, value = admin.create_token(
                        session, viewer, name, center.code, actions,
                        sources=sources or None,
                        expires_days=None if forever else int(days),
                    )
                    made = row.name
            except (DispatchError, PermissionError, ValueError) as exc:
                _failed(exc)
            else:
                st.success(t("admin.token_created", name=md(made)))
                st.code(value, language=None)

    st.subheader(t("admin.revoke"))
    with st.container(border=True, key="revoke_box"):
        if not active:
            st.caption(t("admin.none_active"))
            return
        chosen = st.selectbox(t("admin.choose_token"), active, key="revoke_token")
        if st.button(t("admin.revoke"), key="revoke_go"):
            try:
                with factory.begin() as session:
                    admin.revoke_token(session, viewer, chosen)
            except (DispatchError, PermissionError) as exc:
                _failed(exc)
            else:
                st.session_state["admin_notice"] = t("admin.revoked", name=md(chosen))
                st.rerun()


def refuse(viewer: Principal) -> None:
    """Someone who is not an administrator reached the page: say so and audit it."""
    st.error(t("admin.refused"))
    audit.record_now(
        services().session_factory, AuditEvent.DENIED, actor=viewer.actor,
        resource="page:admin", status=403, reason="needs admin",
    )


viewer = principal()
if viewer is not None:
    page_header("admin.title")
    if not admin.is_admin(viewer):
        refuse(viewer)
        st.stop()
    notice = st.session_state.pop("admin_notice", None)
    if notice:
        st.success(notice)
    st.caption(t("admin.scope", center=md(home_center_name(viewer.center_path))))
    accounts_t, tokens_t = st.tabs([t("admin.tab.accounts"), t("admin.tab.tokens")])
    with accounts_t:
        accounts_tab(viewer)
    with tokens_t:
        tokens_tab(viewer)

