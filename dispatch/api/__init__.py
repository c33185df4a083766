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
from starlette.routing import BaseRoute, Route, Router

from config.deployment import load_deployment
from config.intake import IntakePolicy
from config.settings import Settings
from config.sla import SlaPolicy
from dispatch.accounts.access import ALERT_ACK, BRIEFING_GENERATE, BRIEFING_SIGN, REPORT
from dispatch.api import briefings, cases, documents, feedback, views
from dispatch.api.access import WORKFLOW
from dispatch.api.http import ApiContext, ApiRouter, JSONResponse, declare_query, guarded
from dispatch.api.openapi import build_openapi
from dispatch.briefings.words import WordsFor
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
    intake: IntakePolicy | None = None,
    words: WordsFor | None = None,
) -> Router:
    """The API as a Starlette router (routes relative to its mount point, e.g. ``/api``).
    ``intake`` is the intake policy; by default the settings' ``[intake]`` when settings are
    given, else the defaults. ``words`` gives the interface's wording in a language, for
    the briefing documents (``/briefings/{id}.pdf`` and ``.xlsx``)."""
    sla, folder = _sla_and_data(settings_or_policy, data_dir)
    bind_bus(session_factory, bus)
    if intake is None:
        given = isinstance(settings_or_policy, Settings)
        intake = settings_or_policy.intake if given else IntakePolicy()  # type: ignore[union-attr]
    ctx = ApiContext(session_factory, bus, sla, Path(folder), anonymous_principal, intake, words)
    return ApiRouter(routes=routes(ctx))


def routes(ctx: ApiContext) -> list[BaseRoute]:
    """Every route of the API, relative to its mount point; each endpoint reads ``ctx``. A
    state-changing route names its permission (:mod:`dispatch.api.access`); every route
    takes only the query parameters the OpenAPI document lists for it (else 422)."""
    return declare_query([
        Route("/cases", guarded(ctx, cases.create, REPORT), methods=["POST"]),
        Route("/cases", guarded(ctx, cases.list_), methods=["GET"]),
        Route("/cases/{id:int}", guarded(ctx, cases.get), methods=["GET"]),
        Route("/cases/{id:int}/actions", guarded(ctx, cases.act, WORKFLOW), methods=["POST"]),
        Route("/cases/{id:int}/orders/{order:int}/feedback",
              guarded(ctx, feedback.feedback, WORKFLOW), methods=["POST"]),
        Route("/cases/{id:int}/attachments/{att:int}", guarded(ctx, cases.attachment),
              methods=["GET"]),
        Route("/centers/{code}", guarded(ctx, views.center), methods=["GET"]),
        Route("/centers/{code}/children", guarded(ctx, views.center_children), methods=["GET"]),
        Route("/alerts", guarded(ctx, views.alerts), methods=["GET"]),
        Route("/alerts/{id:int}/ack", guarded(ctx, views.ack, ALERT_ACK), methods=["POST"]),
        Route("/kpis", guarded(ctx, views.kpis), methods=["GET"]),
        Route("/briefings", guarded(ctx, briefings.list_), methods=["GET"]),
        Route("/briefings", guarded(ctx, briefings.create, BRIEFING_GENERATE), methods=["POST"]),
        Route("/briefings/{id:int}", guarded(ctx, briefings.get), methods=["GET"]),
        Route("/briefings/{id:int}.pdf", guarded(ctx, documents.pdf), methods=["GET"]),
        Route("/briefings/{id:int}.xlsx", guarded(ctx, documents.xlsx), methods=["GET"]),
        Route("/briefings/{id:int}/sign", guarded(ctx, briefings.sign, BRIEFING_SIGN),
              methods=["POST"]),
        Route("/openapi.json", partial(openapi, document=build_openapi())),
    ], build_openapi())


async def openapi(_: Request, document: dict[str, Any]) -> Response:
    """``GET /openapi.json``: the document built once when the API is."""
    return JSONResponse(document)
