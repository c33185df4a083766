"""PTZ from the wall's focus view: ``GET`` and ``POST /api/wall/ptz/{camera}``.

``GET`` answers whether the camera can be steered by the caller and its presets;
``POST`` takes one command as JSON::

    {"action": "move", "pan": 0.5, "tilt": 0, "zoom": 0}      # ContinuousMove (velocities)
    {"action": "stop"}
    {"action": "goto", "preset": "p1"}
    {"action": "set_preset", "name": "大门"}                   # answers {"preset": token}
    {"action": "remove_preset", "preset": "p1"}

Every command needs the ``ptz`` permission on the camera's center (403 otherwise, 404 for a
camera outside the caller's subtree or unknown) and is written to the access audit as a
``ptz`` line on ``camera:<id>`` (who, which command, the values); a refusal is audited too.
A move carries a timeout (``MOVE_TIMEOUT``), so a lost ``stop`` (a closed browser) cannot
leave a camera turning.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard.auth.cameras import camera_center_path
from dashboard.auth.guard import refusal, refuse_unless
from dashboard.server.services import Services
from dispatch.accounts import access
from dispatch.accounts.audit import AuditEvent, record_now
from dispatch.principal import Principal
from streams.ptz import ACTIONS, NotPtz, PtzControl, PtzError

log = logging.getLogger("dashboard.wall.ptz")
MOVE_TIMEOUT = 10.0  # seconds a move lasts without a stop
MAX_BODY = 4096


class BadCommand(ValueError):
    """The command's field ``field`` is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_command(raw: Any) -> dict[str, Any]:
    """Check a command; raises :class:`BadCommand` naming the field."""
    if not isinstance(raw, dict):
        raise BadCommand("body", "a JSON object is expected")
    action = raw.get("action")
    if action not in ACTIONS:
        raise BadCommand("action", f"action must be one of {', '.join(ACTIONS)}")
    extra = set(raw) - {"action", "pan", "tilt", "zoom", "preset", "name"}
    if extra:
        raise BadCommand(sorted(extra)[0], "unknown field")
    out: dict[str, Any] = {"action": action}
    if action == "move":
        for axis in ("pan", "tilt", "zoom"):
            value = raw.get(axis, 0)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or not -1 <= value <= 1:
                raise BadCommand(axis, f"{axis} must be a number from -1 to 1")
            out[axis] = float(value)
    if action in ("goto", "remove_preset"):
        preset = raw.get("preset")
        if not isinstance(preset, str) or not 0 < len(preset) <= 64:
            raise BadCommand("preset", "preset token (1–64 characters) required")
        out["preset"] = preset
    if action == "set_preset":
        name = raw.get("name")
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 64:
            raise BadCommand("name", "preset name (1–64 characters) required")
        out["name"] = name.strip()
    return out


def principal_of(request: Request, svc: Services) -> Principal | None:
    found = request.scope.get("principal")
    return found if isinstance(found, Principal) else svc.open_principal


class PtzRoutes:
    def __init__(self, svc: Services, control: PtzControl) -> None:
        self.svc, self.control = svc, control

    def _path(self, camera_id: str) -> str | None:
        if not self.svc.accounts_on:
            return self.svc.camera_paths.get(camera_id)
        with self.svc.session_factory() as db:
            return camera_center_path(db, camera_id)

    async def _guard(self, request: Request, action: str) -> tuple[str, str] | Response:
        camera_id = request.path_params["camera"]
        resource = f"camera:{camera_id}"
        principal = principal_of(request, self.svc)
        if principal is None:
            return refusal(request, 401, resource, None, "no principal")
        path = await run_in_threadpool(self._path, camera_id)
        if path is None or not principal.sees(path):  # other centers' cameras look absent
            return refusal(request, 404, resource, path, "outside_scope" if path else "unknown")
        if request.scope.get("principal") is not None:
            denied = refuse_unless(request, action, path, resource)
            if denied is not None:
                return denied
        elif not access.may(principal, action):
            return JSONResponse({"error": "无权访问 / access denied",
                                 "reason": "action_not_allowed"}, 403)
        return camera_id, path

    async def info(self, request: Request) -> Response:
        guarded = await self._guard(request, access.STREAM_VIEW)
        if isinstance(guarded, Response):
            return guarded
        camera_id, _ = guarded
        principal = principal_of(request, self.svc)
        allowed = principal is not None and access.may(principal, access.PTZ)
        if not self.control.has(camera_id):
            return JSONResponse({"ptz": False, "allowed": allowed, "presets": []})
        try:
            presets = await self.control.client(camera_id).get_presets()
        except PtzError as exc:
            return JSONResponse({"ptz": True, "allowed": allowed, "presets": [],
                                 "error": exc.reason})
        return JSONResponse({"ptz": True, "allowed": allowed,
                             "presets": [{"token": p.token, "name": p.name} for p in presets]},
                            headers={"Cache-Control": "no-store"})

    async def command(self, request: Request) -> Response:
        guarded = await self._guard(request, access.PTZ)
        if isinstance(guarded, Response):
            return guarded
        camera_id, path = guarded
        body = await request.body()
        try:
            if len(body) > MAX_BODY:
                raise BadCommand("body", "too large")
            try:
                raw = json.loads(body or b"null")
            except (ValueError, UnicodeDecodeError):
                raise BadCommand("body", "not valid JSON") from None
            cmd = parse_command(raw)
            client = self.control.client(camera_id)
        except BadCommand as exc:
            return JSONResponse({"error": "bad_command", "field": exc.field,
                                 "message": str(exc)}, 422)
        except NotPtz:
            return JSONResponse({"error": "not_ptz", "message": "该摄像机不支持云台 / "
                                 "this camera has no PTZ"}, 409)
        answer: dict[str, Any] = {"ok": True}
        try:
            action = cmd["action"]
            if action == "move":
                await client.continuous_move(cmd["pan"], cmd["tilt"], cmd["zoom"], MOVE_TIMEOUT)
            elif action == "stop":
                await client.stop()
            elif action == "goto":
                await client.goto_preset(cmd["preset"])
            elif action == "set_preset":
                answer["preset"] = await client.set_preset(cmd["name"])
            else:
                await client.remove_preset(cmd["preset"])
        except PtzError as exc:
            log.warning("ptz %s on %s failed: %s", cmd["action"], camera_id, exc.reason)
            return JSONResponse({"error": "camera_refused" if exc.refused else "camera_error",
                                 "message": exc.reason}, 502)
        principal = principal_of(request, self.svc)
        if self.svc.accounts_on and principal is not None:
            await run_in_threadpool(
                record_now, self.svc.session_factory, AuditEvent.PTZ, actor=principal.actor,
                resource=f"camera:{camera_id}", center_path=path, status=200,
                **cmd, **({"token": answer["preset"]} if "preset" in answer else {}),
            )
        return JSONResponse(answer)


def build_ptz_routes(svc: Services, control: PtzControl | None = None) -> list[BaseRoute]:
    routes = PtzRoutes(svc, control or PtzControl(svc.cameras))
    return [
        Route("/api/wall/ptz/{camera}", routes.info, methods=["GET"]),
        Route("/api/wall/ptz/{camera}", routes.command, methods=["POST"]),
    ]
