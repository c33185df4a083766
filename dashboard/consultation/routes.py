"""Video sessions' routes (``/api/consultations/...``, ``/join/<token>``) over the process's
conference, and the auth rule that lets a join link in without an account."""

from __future__ import annotations

from starlette.routing import BaseRoute

from dashboard.auth.routes import RouteKind, RouteRule
from dashboard.consultation.engine import SessionMedia
from dashboard.consultation.join import join_page_html
from dashboard.server.services import Services
from dispatch.consultation.routes import consultation_routes

#: ``/join/<token>``: the token is the credential, checked by the join routes.
JOIN_RULE = RouteRule("/join", RouteKind.PUBLIC)


def session_routes(svc: Services, conference: SessionMedia) -> list[BaseRoute]:
    return consultation_routes(
        svc.session_factory, conference, sla=svc.sla, data_dir=svc.settings.data_dir,
        join_page=join_page_html, bus=svc.bus, anonymous_principal=svc.open_principal,
    )
