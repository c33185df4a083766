"""The wall's camera groups as a page shows them: the tour picker and the group editor.

Groups are read and written only through :mod:`dispatch.tours`; the editor is offered to the
accounts :func:`dispatch.tours.may_edit` admits, the rule the service enforces.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch import tours
from dispatch.errors import DispatchError, InvalidInput
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.wall import cameras_in_scope

NEW = 0  # the editor's "new group" choice


def read_groups(center: CenterRef) -> list[tours.Group]:
    with services().session_factory() as session:
        return tours.list_groups(session, center)


def tour_choice(groups: list[tours.Group], *, interactive: bool) -> int | None:
    """The group the wall tours (``?tour=ID``), picked in a select box unless ``interactive``
    is False (kiosk: the URL decides)."""
    raw = st.query_params.get("tour", "")
    ids = [g.id for g in groups]
    current = int(raw) if raw.isdigit() and int(raw) in ids else None
    if not interactive:
        return int(raw) if raw.isdigit() else None  # the socket checks it against the viewer
    names = {g.id: g.name for g in groups}
    picked = st.selectbox(
        t("wall.tour"), [None, *ids], index=0 if current is None else ids.index(current) + 1,
        format_func=lambda gid: t("wall.tour.none") if gid is None else names[gid],
        key=f"wall_tour_{'-'.join(map(str, ids))}", label_visibility="collapsed", width=200,
    )
    if picked is None:
        st.query_params.pop("tour", None)
    elif st.query_params.get("tour") != str(picked):
        st.query_params["tour"] = str(picked)
    return picked


def _error_text(exc: DispatchError) -> str:
    if isinstance(exc, InvalidInput) and exc.field in ("name", "cameras", "interval_s"):
        return t(f"wall.tour.error.{exc.field}")
    return str(exc)


def group_editor(viewer: Principal, center: CenterRef, groups: list[tours.Group]) -> None:
    """Create, change and delete the groups of ``center`` (inside a popover)."""
    if not tours.may_edit(viewer, center):
        st.caption(t("wall.tour.readonly"))
        return
    with services().session_factory() as session:
        cams = cameras_in_scope(session, center.path)
    cam_names = {c.id: f"{c.name} · {c.center_name}" for c in cams}
    by_id = {g.id: g for g in groups}
    pick_key = f"wall_group_pick_{center.code}"
    if (pending := st.session_state.pop("wall_group_next", None)) is not None:
        st.session_state[pick_key] = pending  # set before the widget exists, as Streamlit asks
    new_label = t("wall.tour.new")  # worded now: the option labels must not depend on when they are drawn
    chosen = st.selectbox(
        t("wall.tour.group"), [NEW, *by_id], key=pick_key,
        format_func=lambda gid: new_label if gid == NEW else by_id[gid].name,
    )
    group = by_id.get(chosen)
    suffix = f"{center.code}_{chosen}"
    with st.form(key=f"wall_group_form_{suffix}", border=False, enter_to_submit=False):
        name = st.text_input(t("wall.tour.name"), value=group.name if group else "", max_chars=64,
                             key=f"wall_group_name_{suffix}")
        members = st.multiselect(
            t("wall.tour.cameras"), list(cam_names), default=[c for c in (group.cameras if group else ()) if c in cam_names],
            format_func=cam_names.__getitem__, key=f"wall_group_cams_{suffix}",
            placeholder=t("wall.tour.choose"), max_selections=tours.MAX_MEMBERS,
            select_all=False,  # Streamlit words that option in English only
        )
        interval = st.number_input(
            t("wall.tour.interval"), min_value=tours.MIN_INTERVAL, max_value=tours.MAX_INTERVAL,
            value=group.interval_s if group else 10, step=1, key=f"wall_group_interval_{suffix}",
        )
        save = st.form_submit_button(t("wall.tour.save"), type="primary")
    if save:
        try:
            with services().session_factory.begin() as session:
                saved = tours.save_group(session, viewer, center, name, members, int(interval),
                                         group_id=group.id if group else None)
        except DispatchError as exc:
            st.error(md(_error_text(exc)))
        else:
            st.session_state["wall_group_next"] = saved.id
            st.toast(md(t("wall.tour.saved", name=saved.name)))
            st.rerun()
    if group is not None and st.button(t("wall.tour.delete"), key=f"wall_group_delete_{suffix}"):
        with services().session_factory.begin() as session:
            tours.delete_group(session, viewer, center, group.id)
        st.session_state["wall_group_next"] = NEW
        if st.query_params.get("tour") == str(group.id):
            st.query_params.pop("tour", None)
        st.toast(md(t("wall.tour.deleted", name=group.name)))
        st.rerun()
