"""指挥大屏 · the video wall: scope drill-down, layout, and the wall component."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import current_lang, t
from dashboard.shared.chrome import current_scope, is_kiosk, principal, scope_bar
from dashboard.wall.component import video_wall
from dispatch.wall import LAYOUTS


def layout_choice() -> int:
    raw = st.query_params.get("layout", "9")
    default = int(raw) if raw.isdigit() and int(raw) in LAYOUTS else 9
    if is_kiosk():
        return default
    chosen = st.segmented_control(
        t("wall.layout"), LAYOUTS, default=default, key="wall_layout",
        format_func=lambda n: t("wall.tiles", n=n), label_visibility="collapsed",
    )
    layout = chosen or default
    if st.query_params.get("layout") != str(layout):
        st.query_params["layout"] = str(layout)
    return layout


viewer = principal()
if viewer is not None:
    center = current_scope(viewer)
    if center is not None:
        kiosk = is_kiosk()
        with st.container(key="wall_controls", horizontal=True, vertical_alignment="center"):
            if not kiosk:
                scope_bar(viewer, center)
            layout = layout_choice()
        video_wall(
            center.code, layout, current_lang(), kiosk=kiosk,
            focus=st.query_params.get("focus"), key="wall",
        )
        if not kiosk:
            st.caption(t("wall.kiosk_hint"))
            st.link_button(t("nav.kiosk"), f"/?kiosk=1&scope={center.code}&layout={layout}")
