"""The dispatch REST API: Starlette routes mounted at ``/api`` by the composition root.

The caller's identity comes from ``request.scope["principal"]`` (set by the auth middleware);
without one, ``anonymous_principal`` is used when given, else the answer is 401.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from config.deployment import load_deployment
from config.settings import Settings
from config.sla import SlaPolicy
from dispatch.api import cases, views
from dispatch.api.http import ApiContext, JSONResponse
from dispatch.api.openapi import build_openapi
from dispatch.events import Bus, bind_bus
from dispatch.principal import Principal
from dispatch.sla import Sla


def _sla_and_data(
    settings_or_policy: Settings | SlaPolicy | Sla | None, data_dir: Path | None
) -> tuple[Sla, Path]:
    if isinstance(settings_or_policy, Settings):
        folder = data_dir or settings_or_policy.data_dir
        if settings_or_policy.deployment_file:
            dep = load_deployment(settings_or_policy.deployment_file)
            return Sla.build(dep.sla, dep.holidays), folder
        return Sla.build(), folder
    if isinstance(settings_or_policy, Sla):
        return settings_or_policy, data_dir or Path("data")
    return Sla.build(settings_or_policy), data_dir or Path("data")


def build_api(
    session_factory: sessionmaker[Session],
    bus: Bus,
    settings_or_policy: Settings | SlaPolicy | Sla | None = None,
    *,
    anonymous_principal: Principal | None = None,
    data_dir: Path | None = None,
) -> Router:
    """The API as a Starlette router (routes relative to its mount point, e.g. ``/api``)."""
    sla, folder = _sla_and_data(settings_or_policy, data_dir)
    bind_bus(session_factory, bus)
    ctx = ApiContext(session_factory, bus, sla, Path(folder), anonymous_principal)
    document = partial(openapi, document=build_openapi())
    routes: list[Any] = [*cases.routes(ctx), *views.routes(ctx), Route("/openapi.json", document)]
    return Router(routes=routes)


async def openapi(_: Request, document: dict[str, Any]) -> Response:
    """``GET /openapi.json``: the document built once when the API is."""
    return JSONResponse(document)
