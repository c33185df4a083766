"""Which case the desk has open: ``?case=ZZ-…`` in the URL, the case's number.

The number is the only case identifier a person sees; links from other pages (alerts, wall)
carry it the same way, so a link can be copied, bookmarked and sent.
"""

from __future__ import annotations

import re

import streamlit as st

#: ``ZZ-<county>-<local date>-<serial>``; anything else in ``?case=`` is ignored.
NUMBER = re.compile(r"^ZZ-[0-9]{6}-[0-9]{8}-[0-9]{6,}$")


def open_case(number: str | None) -> None:
    """Open the case ``number`` on the next run (None goes back to the lists)."""
    if number is None:
        st.query_params.pop("case", None)
    else:
        st.query_params["case"] = number


def selected_case() -> str | None:
    """The number of the open case, or None when the URL names none (or not a number)."""
    raw = st.query_params.get("case", "").strip().upper()
    return raw if NUMBER.match(raw) else None



_OPENING = "desk_case_opening"


def open_from_list(number: str) -> None:
    """A list button's callback: open ``number`` and ask the list to rerun the whole page.

    A callback runs before any rerun, so a click landing while a live list (a fragment on a
    timer) refreshes is never lost; :func:`opening` then tells the list to leave for the case.
    """
    open_case(number)
    st.session_state[_OPENING] = True


def opening() -> bool:
    """Whether a list button has just opened a case (answered once)."""
    return bool(st.session_state.pop(_OPENING, False))
