"""The one builder the composition root calls: operator API plus join routes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute

from dispatch.accounts.access import SESSION_JOIN
from dispatch.api.http import declare, declare_query
from dispatch.api.openapi import build_openapi
from dispatch.consultation.api import operator_routes
from dispatch.consultation.context import ConsultContext
from dispatch.consultation.join import install_log_redaction, join_routes
from dispatch.consultation.links import link_key
from dispatch.consultation.media import Media
from dispatch.events import Bus, InProcessBus
from dispatch.principal import Principal
from dispatch.sla import Sla


def consultation_routes(
    session_factory: sessionmaker[Session],
    media: Media,
    *,
    sla: Sla | None = None,
    data_dir: Path = Path("data"),
    join_page: Callable[[], str] | None = None,
    bus: Bus | None = None,
    anonymous_principal: Principal | None = None,
) -> list[BaseRoute]:
    """Routes at absolute paths (``/api/consultations/...`` and ``/join/...``): mount them
    before the dispatch API's ``/api`` mount. ``/join`` must be a public path for the auth
    middleware (the join token is its own credential)."""
    install_log_redaction()
    ctx = ConsultContext(session_factory, bus or InProcessBus(), sla or Sla.build(), Path(data_dir),
                         anonymous_principal, media, join_page, link_key(Path(data_dir)))
    # Every operator route of a session needs ``session.join`` (a workflow action taken in a
    # session is then checked as the workflow's); join routes take the join token instead.
    operators = declare_query(declare(operator_routes(ctx), SESSION_JOIN), build_openapi(), "/api")
    return [*operators, *join_routes(ctx)]
