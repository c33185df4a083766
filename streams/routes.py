"""Starlette routes of the stream hub, for ``st.App(routes=...)`` or any Starlette app.

``build_stream_routes(hub, settings, authorize=...)`` returns:

- ``GET /streams/{camera}.mjpg?stream=sub|main`` — multipart MJPEG (tiles, focus view)
- ``GET /streams/{camera}.jpg?stream=sub|main`` — the newest picture
- ``GET /streams/health`` — JSON health of every camera
- ``POST /whip?camera=ID[&center=CODE&name=..]``, ``DELETE /whip/{resource}`` — WHIP (RFC 9725)
- ``POST /whep/{camera}?stream=sub|main``, ``DELETE /whep/{camera}/{resource}`` — WHEP; with a
  media engine that makes the offer (Janus), an empty POST brings its offer and
  ``PATCH /whep/{camera}/{resource}`` carries the viewer's answer
- ``GET /metrics`` — Prometheus text

``authorize(request, camera_id)`` is awaited (or called) before every answer; it returns
``None`` to allow or a ``Response`` to send instead. The default allows everything, so access
control is added by the composition root without touching this module.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict
from typing import Any

from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from config.streams import StreamSettings
from streams import metrics
from streams.hub import StreamHub, UnknownCamera
from streams.mjpeg import MjpegResponse
from streams.stream import Stream
from streams.types import StreamRole
from streams.webrtc.gateway import AlreadyPublishing, CameraOffers, WebRtcGateway
from streams.webrtc.sdp import SdpError

Authorize = Callable[[Request, str | None], "Response | None | Awaitable[Response | None]"]
#: For hub-wide answers (health, metrics): the camera ids the caller may see, None for all.
VisibleCameras = Callable[[Request], "set[str] | None | Awaitable[set[str] | None]"]
#: Collectors the product adds to a scrape, for the caller (e.g. open alerts of its scope).
ExtraMetrics = Callable[[Request], "Iterable[Collector] | Awaitable[Iterable[Collector]]"]
_ROLES: tuple[StreamRole, ...] = ("sub", "main")


def _error(status: int, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"error": f"{zh} / {en}"}, status_code=status)


def _role(request: Request) -> StreamRole | None:
    role = request.query_params.get("stream", "sub")
    return role if role in _ROLES else None  # type: ignore[return-value]


async def _settle(value: Any) -> Any:
    """The hooks may be plain functions or coroutine functions: their value either way."""
    return await value if inspect.isawaitable(value) else value


async def _allow(request: Request, camera_id: str | None) -> None:
    return None


class StreamRoutes:
    def __init__(
        self, hub: StreamHub, settings: StreamSettings, authorize: Authorize,
        visible: VisibleCameras | None = None, extra_metrics: ExtraMetrics | None = None,
        camera_offers: CameraOffers | None = None,
    ) -> None:
        self.hub, self.settings, self._authorize = hub, settings, authorize
        self._visible = visible
        self._extra_metrics = extra_metrics
        self.webrtc = WebRtcGateway(hub, settings, camera_offers)

    async def _guard(self, request: Request, camera_id: str | None) -> Response | None:
        verdict = await _settle(self._authorize(request, camera_id))
        if verdict is not None:
            return verdict
        if camera_id is not None and camera_id not in self.hub.camera_ids():
            return _error(404, "未知摄像机", f"unknown camera {camera_id}")
        return None

    async def _stream_for(self, request: Request) -> tuple[Stream | None, Response | None]:
        camera_id = request.path_params["camera"]
        denied = await self._guard(request, camera_id)
        if denied is not None:
            return None, denied
        role = _role(request)
        if role is None:
            return None, _error(400, "stream 参数只能是 sub 或 main", "stream must be sub or main")
        return await run_in_threadpool(self.hub.open_stream, camera_id, role), None

    async def mjpeg(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A plain ASGI endpoint, not a request handler: each frame to each viewer then skips
        Starlette's per-request exception wrapper (one await less per frame per viewer)."""
        stream, denied = await self._stream_for(Request(scope, receive))
        if stream is None:
            assert denied is not None
            await denied(scope, receive, send)
            return
        await MjpegResponse(stream, lambda: self.hub.serving)(scope, receive, send)

    async def snapshot(self, request: Request) -> Response:
        camera_id = request.path_params["camera"]
        denied = await self._guard(request, camera_id)
        if denied is not None:
            return denied
        role = _role(request)
        if role is None:
            return _error(400, "stream 参数只能是 sub 或 main", "stream must be sub or main")
        data = await run_in_threadpool(self.hub.snapshot, camera_id, role)
        if data is None:
            return _error(503, "暂无画面", "no picture yet")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def _visible_cameras(self, request: Request) -> set[str] | None:
        if self._visible is None:
            return None
        return await _settle(self._visible(request))

    async def health(self, request: Request) -> Response:
        denied = await self._guard(request, None)
        if denied is not None:
            return denied
        seen = await self._visible_cameras(request)
        body = [asdict(h) for h in self.hub.health() if seen is None or h.camera_id in seen]
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    async def metrics(self, request: Request) -> Response:
        denied = await self._guard(request, None)
        if denied is not None:
            return denied
        seen = await self._visible_cameras(request)
        extra = await _settle(self._extra_metrics(request)) if self._extra_metrics else ()
        text = await run_in_threadpool(metrics.render, self.hub, seen, self.webrtc, extra)
        return Response(text, media_type=metrics.CONTENT_TYPE)

    async def _offer(self, request: Request) -> str | Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/sdp":
            return _error(415, "请求体必须是 application/sdp", "body must be application/sdp")
        try:
            return (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "SDP 不是 UTF-8 文本", "SDP is not UTF-8 text")

    def _created(self, answer: str, location: str) -> Response:
        return Response(answer, status_code=201, media_type="application/sdp",
                        headers={"Location": location})

    async def whip(self, request: Request) -> Response:
        camera_id = request.query_params.get("camera", "")
        verdict = self._authorize(request, camera_id or None)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if verdict is not None:
            return verdict
        if not camera_id:
            return _error(400, "缺少 camera 参数", "query parameter camera is required")
        offer = await self._offer(request)
        if isinstance(offer, Response):
            return offer
        try:
            answer, resource = await self.webrtc.publish(
                offer, camera_id, request.query_params.get("center"), request.query_params.get("name")
            )
        except SdpError as exc:
            return _error(400, "推流请求无效", str(exc))
        except AlreadyPublishing as exc:
            return _error(409, "推流冲突", str(exc))
        return self._created(answer, f"/whip/{resource}")

    async def whip_delete(self, request: Request) -> Response:
        return await self._delete(request, "whip", None)

    async def whep(self, request: Request) -> Response:
        denied = await self._guard(request, request.path_params["camera"])
        if denied is not None:
            return denied
        role = _role(request)
        if role is None:
            return _error(400, "stream 参数只能是 sub 或 main", "stream must be sub or main")
        offer = await self._offer(request)
        if isinstance(offer, Response):
            return offer
        camera_id = request.path_params["camera"]
        try:
            if not offer.strip() and self.webrtc.camera_offers is not None:
                server_offer, resource = await self.webrtc.view_offer(camera_id, role)
                return self._created(server_offer, f"/whep/{camera_id}/{resource}")
            answer, resource = await self.webrtc.view(offer, camera_id, role)
        except SdpError as exc:
            return _error(400, "拉流请求无效", str(exc))
        except UnknownCamera:
            return _error(404, "未知摄像机", f"unknown camera {camera_id}")
        return self._created(answer, f"/whep/{camera_id}/{resource}")

    async def whep_delete(self, request: Request) -> Response:
        return await self._delete(request, "whep", request.path_params["camera"])

    async def whep_answer(self, request: Request) -> Response:
        """The viewer's answer to the engine's offer (see :meth:`WebRtcGateway.view_offer`)."""
        denied = await _settle(self._authorize(request, request.path_params["camera"]))
        if denied is not None:
            return denied
        answer = await self._offer(request)
        if isinstance(answer, Response):
            return answer
        try:
            if await self.webrtc.view_answer(request.path_params["resource"], answer):
                return Response(status_code=204)
        except SdpError as exc:
            return _error(400, "应答无效", str(exc))
        return _error(404, "没有该会话", "no such session")

    async def _delete(self, request: Request, kind: str, camera_id: str | None) -> Response:
        resource = request.path_params["resource"]
        session = self.webrtc.sessions.get(resource)
        verdict = self._authorize(request, session.camera_id if session else camera_id)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if verdict is not None:
            return verdict
        if session is None and kind == "whep" and await self.webrtc.end(resource):
            return Response(status_code=200)  # a viewer of the engine's offer (Janus)
        if session is None or session.kind != kind:
            return _error(404, "没有该会话", "no such session")
        await self.webrtc.end(resource)
        return Response(status_code=200)


class _AsgiEndpoint:
    """Marks a bound method as an ASGI app for ``Route`` (which wraps functions and methods
    as request handlers)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def build_stream_routes(
    hub: StreamHub, settings: StreamSettings, authorize: Authorize | None = None,
    visible: VisibleCameras | None = None, extra_metrics: ExtraMetrics | None = None,
    camera_offers: CameraOffers | None = None,
) -> list[BaseRoute]:
    """The hub's HTTP routes (see the module docstring); WebRTC sessions end on hub stop.
    ``visible`` narrows health and metrics to the caller's cameras (default: all);
    ``extra_metrics`` adds collectors to a scrape (see :mod:`streams.metrics`)."""
    r = StreamRoutes(hub, settings, authorize or _allow, visible, extra_metrics, camera_offers)
    hub.on_stop(r.webrtc.close)
    routes: list[Any] = [
        Route("/streams/health", r.health, methods=["GET"]),
        Route("/streams/{camera}.mjpg", _AsgiEndpoint(r.mjpeg), methods=["GET"]),
        Route("/streams/{camera}.jpg", r.snapshot, methods=["GET"]),
        Route("/whip", r.whip, methods=["POST"]),
        Route("/whip/{resource}", r.whip_delete, methods=["DELETE"]),
        Route("/whep/{camera}", r.whep, methods=["POST"]),
        Route("/whep/{camera}/{resource}", r.whep_delete, methods=["DELETE"]),
        Route("/whep/{camera}/{resource}", r.whep_answer, methods=["PATCH"]),
        Route("/metrics", r.metrics, methods=["GET"]),
    ]
    return routes
