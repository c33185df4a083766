"""Which case the desk has open: the URL's ``?case=`` and the session's choice."""

from __future__ import annotations

import streamlit as st


def open_case(case_id: int | None) -> None:
    st.session_state["case_id"] = case_id
    if case_id is None:
        st.query_params.pop("case", None)
    else:
        st.query_params["case"] = str(case_id)


def selected_case() -> int | None:
    """The open case: the URL's ``?case=`` (links from alerts) or the session's choice."""
    raw = st.query_params.get("case", "")
    found = int(raw) if raw.isdigit() else None
    st.session_state["case_id"] = found
    return found
