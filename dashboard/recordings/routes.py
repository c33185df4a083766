"""HTTP routes of recordings: what exists (timeline), segment files for the player (with
range requests), clips kept as case evidence and their burned-in export.

| route | what |
|---|---|
| ``GET /recordings/{camera}/timeline?start=&end=`` | JSON segments (``transcoded``: encoded by |
|   | the recorder) and alerts (epoch seconds) |
| ``GET /recordings/{camera}/segment/{id}.mp4`` | the segment file (``Range`` supported) |
| ``POST /recordings/clips`` | JSON ``{case, cameras, at, before, after}`` → 201, the clips kept |
| ``GET /recordings/clips/{id}.mp4`` | a kept clip as stored (``Range`` supported; ``?download=1`` |
|   | as an attachment) |
| ``GET /recordings/clips/{id}/export.mp4`` | the clip with time and camera burned in |

Camera routes are checked by the same ``authorize(request, camera)`` as live video (viewing a
camera's recordings is viewing the camera); cutting a clip needs the case and every camera in
scope. A kept clip is the case's evidence: whoever sees the case and may view video plays and
downloads it (:func:`clip_refusal`), also a village operator holding the case's order whose
subtree does not hold the camera; anyone else gets 403. Errors are JSON
``{"error": "中文 / English"}``, 4xx.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from dashboard.auth.guard import refusal
from dashboard.recordings.service import NoRecording, RecordingService
from dashboard.server.access import NotAuthenticated, principal_of_scope
from dispatch import recordings as index
from dispatch.accounts import access
from dispatch.errors import DispatchError
from dispatch.models import Alert, Case, RecordingClip, RecordingSegment
from dispatch.permissions import can_see

Authorize = Callable[[Request, str | None], Awaitable[Response | None]]
MAX_SPAN = 7 * 86400.0


def _error(status: int, zh: str, en: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": f"{zh} / {en}", **extra}, status_code=status)


def _epoch(request: Request, name: str) -> float:
    raw = request.query_params.get(name)
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        value = None
    if value is None or not 0 < value < 32503680000:
        raise ValueError(name)
    return value


def build_recording_routes(service: RecordingService, authorize: Authorize) -> list[Route]:
    factory = service.session_factory

    async def timeline(request: Request) -> Response:
        camera = request.path_params["camera"]
        refused = await authorize(request, camera)
        if refused is not None:
            return refused
        try:
            start, end = _epoch(request, "start"), _epoch(request, "end")
        except ValueError as exc:
            return _error(400, f"参数 {exc} 应为秒数", f"{exc} must be epoch seconds", field=str(exc))
        if not 0 < end - start <= MAX_SPAN:
            return _error(400, "时间范围应在 7 天以内", "the span must be 0–7 days", field="end")
        return JSONResponse(await run_in_threadpool(_timeline, camera, start, end))

    def _timeline(camera: str, start: float, end: float) -> dict[str, Any]:
        lo, hi = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        with factory() as session:
            rows = index.segments_between(session, camera, lo, hi)
            alerts = session.execute(
                sa.select(Alert.raised_at, Alert.kind).where(
                    Alert.camera_id == camera, Alert.raised_at >= lo, Alert.raised_at <= hi)
                .order_by(Alert.raised_at).limit(500)
            ).all()
        return {
            "segments": [{"id": r.id, "start": r.start_at.timestamp(), "end": r.end_at.timestamp(),
                          "transcoded": r.transcoded} for r in rows],
            "events": [{"at": at.timestamp(), "kind": kind} for at, kind in alerts],
        }

    async def segment(request: Request) -> Response:
        camera = request.path_params["camera"]
        refused = await authorize(request, camera)
        if refused is not None:
            return refused
        with factory() as session:
            row = session.get(RecordingSegment, request.path_params["segment"])
        if row is None or row.camera_id != camera:
            return _error(404, "没有这段录像", "no such segment")
        path = Path(row.storage) / row.path
        if not path.is_file():
            return _error(404, "录像文件已删除", "the segment file was deleted")
        return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private, max-age=3600"})

    async def keep(request: Request) -> Response:
        try:
            principal = principal_of_scope(request.scope)
        except NotAuthenticated:
            return _error(401, "请先登录", "login required")
        try:
            body = json.loads(await request.body() or b"{}")
            number = str(body["case"])
            cameras = [str(c) for c in body["cameras"]]
            at = float(body["at"])
            before, after = float(body.get("before", 10)), float(body.get("after", 10))
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "需要 case、cameras、at（秒）", "case, cameras and at (seconds) are required",
                          field=str(exc))
        for cam in cameras:
            refused = await authorize(request, cam)
            if refused is not None:
                return refused
        with factory() as session:
            case_id = session.scalar(sa.select(Case.id).where(Case.number == number.strip()))
        if case_id is None:
            return _error(404, "没有这个事件", "no such case", field="case")
        try:
            clips = await run_in_threadpool(service.keep_clip, principal, case_id, cameras, at, before, after)
        except NoRecording:
            return _error(404, "这段时间没有录像", "nothing recorded in that interval")
        except DispatchError as exc:
            return _error(exc.status, "无法保存片段", str(exc))
        return JSONResponse({"clips": [
            {"id": c.id, "camera": c.camera_id, "sha256": c.sha256, "attachment": c.attachment_id,
             "start": c.start_at.timestamp(), "end": c.end_at.timestamp()} for c in clips
        ]}, status_code=201)

    def _clip_check(request: Request) -> tuple[Response | None, Path | None]:
        clip_id = request.path_params["clip"]
        with factory() as session:
            refused = clip_refusal(request, session, clip_id)
            if refused is not None:
                return refused, None
            path = index.clip_file(session, clip_id, service.data_dir)
        return None, path

    async def clip(request: Request) -> Response:
        refused, path = await run_in_threadpool(_clip_check, request)
        if refused is not None:
            return refused
        if path is None or not path.is_file():
            return _error(404, "片段文件不存在", "the clip's file is missing")
        name = f"clip-{request.path_params['clip']}.mp4"
        download = request.query_params.get("download") == "1"
        return FileResponse(path, media_type="video/mp4", filename=name if download else None,
                            headers={"Cache-Control": "private, max-age=3600"})

    async def export(request: Request) -> Response:
        clip_id = request.path_params["clip"]
        refused, _ = await run_in_threadpool(_clip_check, request)
        if refused is not None:
            return refused
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=service.data_dir))
        out = folder / "export.mp4"
        await run_in_threadpool(service.export, clip_id, out)
        return FileResponse(out, media_type="video/mp4", filename=f"clip-{clip_id}.mp4",
                            background=BackgroundTask(_cleanup, folder))

    return [
        Route("/recordings/{camera}/timeline", timeline, methods=["GET"]),
        Route("/recordings/{camera}/segment/{segment:int}.mp4", segment, methods=["GET"]),
        Route("/recordings/clips", keep, methods=["POST"]),
        Route("/recordings/clips/{clip:int}.mp4", clip, methods=["GET"]),
        Route("/recordings/clips/{clip:int}/export.mp4", export, methods=["GET"]),
    ]


def clip_refusal(request: Request, session: Session, clip_id: int) -> Response | None:
    """None when the caller may play a kept clip: the clip exists (404), the caller is signed
    in (401), may view video and sees the clip's case (403 otherwise, written to the audit)."""
    resource = f"clip:{clip_id}"
    try:
        principal = principal_of_scope(request.scope)
    except NotAuthenticated:
        return refusal(request, 401, resource, None, "no principal")
    row = session.get(RecordingClip, clip_id)
    case = session.get(Case, row.case_id) if row is not None else None
    if case is None:
        return refusal(request, 404, resource, None, "unknown")
    if not access.may(principal, access.STREAM_VIEW):
        return refusal(request, 403, resource, case.owning_path, "role may not view video")
    if not can_see(session, principal, case):
        return refusal(request, 403, resource, case.owning_path, "case outside the caller's reach")
    return None


def _cleanup(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink(missing_ok=True)
    folder.rmdir()
