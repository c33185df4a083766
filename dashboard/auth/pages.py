"""The principal of a Streamlit page run.

Page scripts do not see the ASGI scope, but Streamlit hands them the cookies of the page's
WebSocket handshake (``st.context.cookies``; HttpOnly cookies included, since they are read
on the server). Every rerun resolves the session again, so a session that expires or is
ended while the page is open stops working at the next rerun, not at the next page load.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from dashboard.auth.cookies import SESSION_COOKIE
from dispatch.accounts import sessions
from dispatch.principal import Principal


def principal_from_cookies(
    session_factory: sessionmaker[Session], cookie_map: dict[str, str]
) -> Principal | None:
    token = cookie_map.get(SESSION_COOKIE)
    if not token:
        return None
    with session_factory.begin() as db:
        return sessions.resolve(db, token).principal


def page_principal_resolver(session_factory: sessionmaker[Session]) -> Callable[[], Principal | None]:
    """For ``Services.page_principal``: the current page's principal, or None."""

    def resolve() -> Principal | None:
        import streamlit as st

        return principal_from_cookies(session_factory, dict(st.context.cookies))

    return resolve
