"""指挥大屏 · the video wall: scope drill-down, layout, tour, and the wall component."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dashboard.i18n import current_lang, t
from dashboard.shared.chrome import current_scope, is_kiosk, principal, scope_bar
from dashboard.wall.component import video_wall
from dashboard.wall.groups import group_editor, read_groups, tour_choice
from dispatch.wall import LAYOUTS

# Nothing below the wall and no bottom padding: the wall sizes itself to the window's rest.
WALL_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-bottom: 0 !important; }
.st-key-wall_controls { margin-top: -2.8rem; }
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 0.5rem; }
/* The breadcrumb keeps whole center names ("文山壮族苗族自治州综治中心 · 州/市"). */
.st-key-wall_controls { flex-wrap: wrap; }
.st-key-wall_controls div:has(> .st-key-scopebar) { flex: 0 0 auto; width: auto; max-width: 100%; }
.st-key-wall_controls .st-key-scopebar { width: max-content; max-width: 100%; }
.st-key-wall_controls .st-key-scopebar button { max-width: none; }
.st-key-wall_controls .st-key-scopebar button p { white-space: nowrap; overflow: visible; text-overflow: clip; }
</style>"""
SCREEN_SPLITS = (2, 4)


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


def kiosk_links(code: str, layout: int, tour: int | None) -> None:
    """Links for wall screens: one screen, or each screen of a wall of several."""
    base = {"kiosk": "1", "scope": code, "layout": str(layout)} | ({"tour": str(tour)} if tour else {})
    st.link_button(t("wall.screen.single"), "/?" + urlencode(base))
    st.caption(t("wall.screen.links"))
    for n in SCREEN_SPLITS:
        with st.container(horizontal=True):
            for k in range(1, n + 1):
                st.link_button(t("wall.screen.of", k=k, n=n), "/?" + urlencode(base | {"screen": f"{k}/{n}"}))


viewer = principal()
if viewer is not None:
    center = current_scope(viewer)
    if center is not None:
        kiosk = is_kiosk()
        groups = read_groups(center)
        st.html(WALL_CSS)
        if kiosk:  # no controls at all: the URL decides
            layout, tour = layout_choice(), tour_choice(groups, interactive=False)
        else:
            with st.container(key="wall_controls", horizontal=True, vertical_alignment="center"):
                scope_bar(viewer, center)
                layout = layout_choice()
                tour = tour_choice(groups, interactive=True)
                with st.popover(t("wall.tour.settings")):
                    if not groups:
                        st.caption(t("wall.tour.empty"))
                    group_editor(viewer, center, groups)
                with st.popover(t("nav.kiosk"), help=t("wall.kiosk_hint")):
                    kiosk_links(center.code, layout, tour)
                st.caption(t("wall.keys"))
        video_wall(
            center.code, layout, current_lang(), kiosk=kiosk,
            focus=st.query_params.get("focus"), tour=tour,
            screen=st.query_params.get("screen"), key="wall",
        )
