"""The ``authorize(request, camera_id)`` hook of the stream routes: scope and role per camera.

A camera belongs to the center of its registry row (``cameras`` table); cameras that exist
only in the hub (a phone publishing by WHIP for the length of its session) are resolved by
``fallback_center``, given by the composition root. The verdicts:

- no principal → 401 (the middleware normally answers first);
- unknown camera → 404;
- camera outside the caller's subtree, or a role that may not view/publish → 403;
- ``camera_id`` None (hub-wide health and metrics) → callers allowed ``metrics.read``; the
  answer then lists only the cameras of their subtree (:func:`camera_visibility`).

Every refusal is written to the access audit (by the middleware, through the scope marker).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dashboard.auth.guard import refusal, refuse_unless
from dispatch.accounts import access
from dispatch.models import Camera, Center
from dispatch.principal import Principal

CameraAuthorize = Callable[[Request, str | None], Awaitable[Response | None]]
FallbackCenter = Callable[[str], str | None]


def stream_action(request: Request) -> str:
    """WHIP publishes; everything else (MJPEG, snapshot, WHEP, ending a session) views."""
    path = request.url.path
    return access.STREAM_PUBLISH if path == "/whip" or path.startswith("/whip/") else access.STREAM_VIEW


def camera_center_path(session: Session, camera_id: str) -> str | None:
    return session.scalar(
        sa.select(Center.path).join(Camera, Camera.center_id == Center.id).where(Camera.id == camera_id)
    )


def center_path_of(session: Session, code_or_path: str) -> str | None:
    code = code_or_path.strip().rstrip("/").rsplit("/", 1)[-1]
    return session.scalar(sa.select(Center.path).where(Center.code == code)) if code else None


def camera_authorizer(
    session_factory: sessionmaker[Session], fallback_center: FallbackCenter | None = None
) -> CameraAuthorize:
    """Build the hook for ``build_stream_routes(hub, settings, authorize=...)``."""

    def lookup(camera_id: str, new_center: str | None) -> str | None:
        with session_factory() as db:
            path = camera_center_path(db, camera_id)
            if path is None and fallback_center is not None:
                code = fallback_center(camera_id)
                path = center_path_of(db, code) if code else None
            if path is None and new_center:
                path = center_path_of(db, new_center)
            return path

    async def authorize(request: Request, camera_id: str | None) -> Response | None:
        principal: Principal | None = request.scope.get("principal")
        action = stream_action(request)
        resource = f"camera:{camera_id}" if camera_id else f"hub:{request.url.path}"
        if principal is None:
            return refusal(request, 401, resource, None, "no principal")
        if camera_id is None:
            if not access.may(principal, access.METRICS_READ):
                return refusal(request, 403, resource, None, "health and metrics need metrics.read")
            return None
        # A new WHIP publisher names the center its camera joins; it must be in scope too.
        new_center = request.query_params.get("center") if action == access.STREAM_PUBLISH else None
        path = await run_in_threadpool(lookup, camera_id, new_center)
        return refuse_unless(request, action, path, resource)

    return authorize


VisibleCameras = Callable[[Request], Awaitable["set[str] | None"]]


def camera_visibility(
    session_factory: sessionmaker[Session], camera_ids: Callable[[], list[str]],
    fallback_center: FallbackCenter | None = None,
) -> VisibleCameras:
    """Build the ``visible`` hook of ``build_stream_routes``: the hub's cameras inside the
    caller's subtree (None — everything — for a root scope)."""

    def lookup(principal: Principal) -> set[str]:
        ids = camera_ids()
        with session_factory() as db:
            rows: dict[str, str | None] = {cid: path for cid, path in db.execute(
                sa.select(Camera.id, Center.path).join(Center, Camera.center_id == Center.id)
                .where(Camera.id.in_(ids))
            )}
            centers: dict[str, str | None] = {}
            for cid in ids:  # cameras only the hub knows (WHIP publishers): their given center
                if cid not in rows and fallback_center is not None:
                    code = fallback_center(cid)
                    if code and code not in centers:
                        centers[code] = center_path_of(db, code)
                    rows[cid] = centers.get(code) if code else None
        return {cid for cid, path in rows.items() if path and principal.sees(path)}

    async def visible(request: Request) -> set[str] | None:
        principal: Principal | None = request.scope.get("principal")
        if principal is None:
            return set()
        if "/" not in principal.center_path:
            return None
        return await run_in_threadpool(lookup, principal)

    return visible
