"""The API as a deployment serves it: the real auth middleware in front of the dispatch API and
the video sessions' routes, API tokens made by the accounts service, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount

from config.auth import AuthSettings
from config.streams import StreamSettings
from dashboard.auth import DEFAULT_RULES, AuthMiddleware
from dashboard.i18n.words import words_for
from dispatch.accounts import models as account_models  # noqa: F401  (registers the tables)
from dispatch.accounts import tokens
from dispatch.api import build_api
from dispatch.api.http import http_error
from dispatch.consultation import models as consultation_models  # noqa: F401
from dispatch.consultation.routes import consultation_routes
from dispatch.events import InProcessBus
from streams.conference.rooms import Conference
from tests.dispatch.apiclient import Api
from tests.dispatch.factories import Db, make_db

COUNTY = "532622"
TOWNSHIP = "532622101"
OTHER_TOWNSHIP = "532622102"


@dataclass
class Served:
    db: Db
    app: Starlette
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, name: str, center: str, actions: list[str], sources: list[str] | None = None) -> str:
        """A new API token's value (``Authorization: Bearer <value>``)."""
        with self.db.begin() as s:
            _, value = tokens.create_token(s, name, center, actions, sources=sources)
        self.tokens[name] = value
        return value

    @contextmanager
    def client(self) -> Iterator[Api]:
        """A client over the ASGI transport (no sockets)."""
        with asyncio.Runner() as runner:
            api = Api(self.app, runner)
            try:
                yield api
            finally:
                runner.run(api._client.aclose())


def build_app(db: Db, data_dir: Path) -> Starlette:
    """Routes, middleware and error handler as the composition root wires them."""
    bus = InProcessBus()
    conference = Conference(None, StreamSettings())
    routes = [
        *consultation_routes(db.factory, conference, sla=db.sla, data_dir=data_dir, bus=bus),
        Mount("/api", app=build_api(db.factory, bus, db.sla, data_dir=data_dir, words=words_for)),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(AuthMiddleware, session_factory=db.factory,
                               settings=AuthSettings(), rules=DEFAULT_RULES)],
        exception_handlers={HTTPException: http_error},
    )


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    db = make_db(database_url)
    try:
        yield Served(db, build_app(db, tmp_path / "data"))
    finally:
        db.engine.dispose()
