"""A real uvicorn server on a loopback port running the auth edge in front of real routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import closing

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from config.auth import AuthSettings
from dashboard.auth import AuthMiddleware, build_login_routes
from tests.accounts.conftest import AccountsDb
from tests.live import LiveASGI


async def wall_page(request: Request) -> Response:
    """Stands for a Streamlit page: shows whose page it is."""
    principal = request.scope["principal"]
    return HTMLResponse(f"<h1>指挥大屏</h1><p id=who>{principal.actor}@{principal.center_path}</p>")


async def echo(request: Request) -> Response:
    """A state-changing API route (stands for POST /api/... when no API is mounted)."""
    return JSONResponse({"actor": request.scope["principal"].actor, "body": (await request.body()).decode()})


async def socket(ws: WebSocket) -> None:
    """Stands for Streamlit's /_stcore/stream WebSocket."""
    await ws.accept()
    await ws.send_text(ws.scope["principal"].actor)
    await ws.close()


def test_routes() -> list[BaseRoute]:
    return [
        Route("/", wall_page),
        Route("/wall", wall_page),
        Route("/api/echo", echo, methods=["POST"]),
        WebSocketRoute("/_stcore/stream", socket),
    ]


class LiveApp(LiveASGI):
    def __init__(self, adb: AccountsDb, routes: Sequence[BaseRoute] = (),
                 settings: AuthSettings | None = None) -> None:
        self.settings = settings or adb.settings
        self.app = Starlette(
            routes=[*build_login_routes(adb.factory, self.settings), *test_routes(), *routes],
            middleware=[Middleware(AuthMiddleware, session_factory=adb.factory, settings=self.settings)],
        )
        super().__init__(self.app, name="test-auth-uvicorn", log_level="info")

    @property
    def origin(self) -> str:
        return self.base

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30)

    def login(self, username: str, password: str) -> closing[httpx.Client]:
        """A browser-like client logged in through the form."""
        client = self.client()
        page = client.get("/login")
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert token is not None
        answer = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token.group(1), "next": "/"},
            headers={"Origin": self.origin},
        )
        assert answer.status_code == 303, answer.text
        return closing(client)
