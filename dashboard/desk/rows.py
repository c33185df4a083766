"""One case as a row of the desk's lists (inbox, scope views, search, archive): its number
and title on one button that opens the case, translated facts below, coloured badges.

Every value a row shows is already worded (labels, local times); user text (titles,
addresses, names) is shown as text: escaped in the button label, which Streamlit reads as
Markdown, and through ``st.text`` elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import streamlit as st

from dashboard.desk.selection import open_from_list, opening
from dashboard.i18n import t
from dashboard.shared.text import md

RISK_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


@dataclass(frozen=True)
class Row:
    """A case as a list shows it; every string already in the page's language."""

    number: str
    title: str
    facts: tuple[str, ...] = ()
    badges: tuple[tuple[str, str], ...] = field(default=())  # (text, colour)
    new: bool = False


def facts(*parts: str | None) -> tuple[str, ...]:
    """The non-empty parts (a missing value leaves no gap and no "None")."""
    return tuple(p for p in parts if p)


def draw_rows(rows: Iterable[Row], key: str) -> None:
    """The rows, each opening its case by one click on its number and title."""
    if opening():  # a row was clicked during a refresh of this list alone: draw the case
        st.rerun()
    for i, row in enumerate(rows):
        with st.container(border=True, key=f"{key}_row_{i}", gap="small"):
            with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                if row.new:
                    st.badge(t("desk.new"), color="green")
                label = f"**{md(row.number)}** · {md(row.title)}"
                st.button(label, key=f"{key}_open_{i}", type="tertiary",
                          on_click=open_from_list, args=(row.number,))
                for text, colour in row.badges:
                    st.badge(text, color=colour)
            if row.facts:
                st.text(" · ".join(row.facts))


def duration(seconds: float) -> str:
    """A span as people say it: 2天3小时, 3小时12分, 12分 (sign ignored)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t("desk.duration.dh", d=days, h=hours)
    if hours:
        return t("desk.duration.hm", h=hours, m=mins)
    return t("desk.duration.m", m=mins)


def pager(total: int, limit: int, key: str) -> None:
    """上一页 / 下一页 with the total; the offset lives in ``st.session_state[key]``."""
    offset = st.session_state.get(key, 0)
    pages = max(1, math.ceil(total / limit))
    page = min(offset // limit, pages - 1) + 1
    with st.container(horizontal=True, vertical_alignment="center", key=f"{key}_pager"):
        st.button(t("desk.prev"), key=f"{key}_prev", disabled=page <= 1,
                  on_click=_move, args=(key, max(0, (page - 2) * limit)))
        st.text(t("desk.page", total=total, page=page, pages=pages))
        st.button(t("desk.next"), key=f"{key}_next", disabled=page >= pages,
                  on_click=_move, args=(key, page * limit))


def offset_of(key: str, total: int | None = None) -> int:
    """The stored offset (back to the first page when fewer rows remain than it skips)."""
    offset = int(st.session_state.get(key, 0))
    if total is not None and offset >= total:
        offset = 0
        st.session_state[key] = 0
    return offset


def _move(key: str, offset: int) -> None:
    st.session_state[key] = offset
