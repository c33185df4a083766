"""Every route but the wall's: login, video sessions, streams, a launcher's extras, and the
dispatch API mounted last (so ``/api/wall`` and the sessions' ``/api/...`` match first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount

from dashboard.consultation.routes import session_routes
from dashboard.i18n.words import words_for
from dashboard.server.access import NotAuthenticated, principal_of_scope
from dashboard.server.services import Services, services
from dispatch.api import build_api
from streams.hub import StreamHub, UnknownCamera
from streams.janus.engine import JanusMedia
from streams.routes import build_stream_routes

Authorize = Callable[[Request, str | None], Awaitable[Response | None]]


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


def camera_authorize(svc: Services, hub: StreamHub) -> Authorize:
    """The check of camera routes other than the hub's own (recordings): the same verdicts."""
    if not svc.accounts_on:
        return authorize_camera
    from dashboard import auth

    return auth.camera_authorizer(svc.session_factory, lambda cam: hub_center(hub, cam))


def stream_routes(svc: Services, hub: StreamHub) -> list[BaseRoute]:
    from dashboard.server.alert_metrics import open_alerts_metrics

    alerts = open_alerts_metrics(svc.session_factory)
    # On the Janus engine, cameras Janus pulls itself are viewed through its mountpoints.
    offers = svc.conference if isinstance(svc.conference, JanusMedia) else None
    if not svc.accounts_on:
        return build_stream_routes(hub, svc.settings.streams, authorize=authorize_camera,
                                   extra_metrics=alerts, camera_offers=offers)
    from dashboard import auth

    def center(cam: str) -> str | None:
        return hub_center(hub, cam)

    authorize = auth.camera_authorizer(svc.session_factory, center)
    visible = auth.camera_visibility(svc.session_factory, hub.camera_ids, center)
    return build_stream_routes(hub, svc.settings.streams, authorize, visible, alerts, offers)


def routes(svc: Services) -> list[BaseRoute]:
    """Every route but the wall's."""
    from dashboard import auth

    out: list[BaseRoute] = []
    api = build_api(
        svc.session_factory, svc.bus, svc.sla,
        anonymous_principal=svc.open_principal, data_dir=svc.settings.data_dir,
        intake=svc.settings.intake,
        words=words_for,  # the briefing documents speak the interface's table
    )
    if svc.accounts_on:
        out += auth.build_login_routes(svc.session_factory, svc.settings.auth)
    if svc.hub is not None:
        from dashboard.wall.ptz import build_ptz_routes

        out += stream_routes(svc, svc.hub)
        if svc.recording is not None:  # /recordings/...: playback and clips, scoped like live video
            from dashboard.recordings.routes import build_recording_routes

            out += build_recording_routes(svc.recording, camera_authorize(svc, svc.hub))
        out += build_ptz_routes(svc)  # /api/wall/ptz/{camera}: PTZ from the focus view
    if svc.conference is not None:
        out += session_routes(svc, svc.conference)  # /api/consultations/..., /join/...
    out += svc.extra_routes
    out.append(Mount("/api", app=api))  # last: the wall's /api/wall routes match first
    return out
