"""Every route but the wall's: login, video sessions, streams, a launcher's extras, and the
dispatch API mounted last (so ``/api/wall`` and the sessions' ``/api/...`` match first)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount

from dashboard.consultation.routes import session_routes
from dashboard.server.access import NotAuthenticated, principal_of_scope
from dashboard.server.services import Services, services
from dispatch.api import build_api
from streams.hub import StreamHub, UnknownCamera
from streams.routes import build_stream_routes


async def authorize_camera(request: Request, camera_id: str | None) -> Response | None:
    """Stream routes without accounts: the viewer must see the camera's center (404 hides
    other centers')."""
    try:
        principal = principal_of_scope(request.scope)
    except NotAuthenticated:
        return JSONResponse({"error": "请先登录 / login required"}, status_code=401)
    if camera_id is None:
        return None
    path = services().camera_paths.get(camera_id)
    if path is not None and principal.sees(path):
        return None
    if path is None and principal.sees(principal.center_path) and services().open_principal:
        return None  # a camera added at run time (WHIP) in an open demo
    return JSONResponse({"error": "未知摄像机 / unknown camera"}, status_code=404)


def hub_center(hub: StreamHub, camera_id: str) -> str | None:
    """The center code a camera of the hub belongs to (None: unknown camera)."""
    try:
        return hub.camera(camera_id).config.center
    except UnknownCamera:
        return None


def stream_routes(svc: Services, hub: StreamHub) -> list[BaseRoute]:
    if not svc.accounts_on:
        return build_stream_routes(hub, svc.settings.streams, authorize=authorize_camera)
    from dashboard import auth

    def center(cam: str) -> str | None:
        return hub_center(hub, cam)

    authorize = auth.camera_authorizer(svc.session_factory, center)
    visible = auth.camera_visibility(svc.session_factory, hub.camera_ids, center)
    return build_stream_routes(hub, svc.settings.streams, authorize, visible)


def routes(svc: Services) -> list[BaseRoute]:
    """Every route but the wall's."""
    from dashboard import auth

    out: list[BaseRoute] = []
    api = build_api(
        svc.session_factory, svc.bus, svc.sla,
        anonymous_principal=svc.open_principal, data_dir=svc.settings.data_dir,
    )
    if svc.accounts_on:
        out += auth.build_login_routes(svc.session_factory, svc.settings.auth)
    if svc.hub is not None:
        out += stream_routes(svc, svc.hub)
    if svc.conference is not None:
        out += session_routes(svc, svc.conference)  # /api/consultations/..., /join/...
    out += svc.extra_routes
    out.append(Mount("/api", app=api))  # last: the wall's /api/wall routes match first
    return out
