"""A real ``st.App`` behind the auth edge, with simulated cameras: ``server.py DB_URL PORT``.

Run in a subprocess by the tests (one Streamlit App per process); prints READY when serving.
``ZONGZHI_TEST_OIDC`` (JSON of the ``[auth.oidc]`` settings) turns single sign-on on.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
import uvicorn
from starlette.middleware import Middleware

from config.auth import AuthSettings, OidcSettings
from config.cameras import CameraConfig
from config.streams import StreamSettings
from dashboard.auth import AuthMiddleware, build_login_routes, camera_authorizer
from dashboard.auth.sso import streamlit_secrets
from dispatch.db import make_engine, make_session_factory
from streams.hub import StreamHub
from streams.routes import build_stream_routes
from tests.accounts.conftest import CAMERAS


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    os.environ["ZONGZHI_TEST_DATABASE_URL"] = url
    factory = make_session_factory(make_engine(url))
    oidc_json = os.environ.get("ZONGZHI_TEST_OIDC")
    oidc = OidcSettings(**json.loads(oidc_json)) if oidc_json else None
    settings = AuthSettings(oidc=oidc)
    cams = [CameraConfig(id=c, name=c, center=code, sub_url=f"sim://?w=160&h=96&fps=5&label={c}")
            for c, code in CAMERAS.items()]
    hub = StreamHub(cams, StreamSettings())

    @asynccontextmanager
    async def lifespan(app: st.App) -> AsyncIterator[None]:
        await hub.start()
        print("READY", flush=True)
        yield
        await hub.stop()

    app = st.App(
        str(Path(__file__).with_name("page.py")),
        lifespan=lifespan,
        routes=[*build_login_routes(factory, settings),
                *build_stream_routes(hub, hub.settings, authorize=camera_authorizer(factory))],
        middleware=[Middleware(AuthMiddleware, session_factory=factory, settings=settings)],
        secrets=streamlit_secrets(oidc) if oidc is not None else None,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
