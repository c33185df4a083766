"""A minimal Streamlit page for the edge tests: shows whose page it is (from the cookies)."""

from __future__ import annotations

import os

import streamlit as st

from dashboard.auth import principal_from_cookies
from dispatch.db import make_engine, make_session_factory


@st.cache_resource
def factory():  # type: ignore[no-untyped-def]
    return make_session_factory(make_engine(os.environ["ZONGZHI_TEST_DATABASE_URL"]))


principal = principal_from_cookies(factory(), dict(st.context.cookies))
if principal is None:
    st.error("未登录 · not logged in")
else:
    st.markdown(f"当前用户 · signed in: `{principal.actor}@{principal.center_path}`")
