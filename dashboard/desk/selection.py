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

