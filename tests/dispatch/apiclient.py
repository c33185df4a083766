"""A synchronous client for the API under test, over httpx's ASGI transport (no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from dispatch.api import build_api
from dispatch.events import InProcessBus
from dispatch.principal import Principal
from tests.dispatch.factories import OPERATOR, Db


class _WithPrincipal:
    """Stands in for the auth middleware: puts the principal named by a header in the scope."""

    def __init__(self, app: Any, principals: dict[str, Principal]) -> None:
        self.app, self.principals = app, principals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            who = headers.get(b"x-test-principal")
            if who is not None:
                scope["principal"] = self.principals[who.decode()]
        await self.app(scope, receive, send)


class Api:
    def __init__(self, app: Any, runner: asyncio.Runner) -> None:
        self._runner = runner
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        )

    def request(
        self, method: str, url: str, *, as_: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if as_:
            headers["x-test-principal"] = as_
        return self._runner.run(self._client.request(method, url, headers=headers, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@contextmanager
def api_for(
    db: Db,
    tmp_path: Path,
    principals: dict[str, Principal] | None = None,
    anonymous: Principal | None = OPERATOR,
) -> Iterator[tuple[Api, InProcessBus]]:
    bus = InProcessBus()
    router = build_api(
        db.factory, bus, db.sla, anonymous_principal=anonymous, data_dir=tmp_path / "data"
    )
    app = _WithPrincipal(Starlette(routes=[Mount("/api", app=router)]), principals or {})
    with asyncio.Runner() as runner:
        api = Api(app, runner)
        try:
            yield api, bus
        finally:
            runner.run(api._client.aclose())
