"""A real uvicorn server on a loopback port serving a list of routes (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from tests.live import LiveASGI


class LiveRoutes(LiveASGI):
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(Starlette(routes=list(routes)), name="test-wall-uvicorn")

    @property
    def http(self) -> str:
        return self.base
