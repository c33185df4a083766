"""The wall's routes: ``GET /api/wall`` (JSON) and ``/api/wall/ws`` (figures and frames).

One WebSocket per wall screen carries everything the wall shows. The client sends a
subscription as text, ``{"scope": code, "layout": 9, "lang": "zh-CN", "cameras": null}``,
``"tour"`` (a camera group's id) and ``"screen"`` (``"2/4"``) optional, and receives:

- text: the wall state (:mod:`dashboard.wall.state`), whenever it changes;
  ``{"error": ...}`` when the subscription was refused;
- binary: a tile frame, ``[n][camera id: n bytes UTF-8][JPEG]`` (:mod:`dashboard.wall.socket`).
"""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from dashboard.server.access import NotAuthenticated, principal_of_scope
from dashboard.wall.socket import WallConnection
from dashboard.wall.state import WallStateCache
from dashboard.wall.subscription import Subscription, SubscriptionError, compute_state


async def wall_json(request: Request, *, cache: WallStateCache) -> JSONResponse:
    """``GET /api/wall?scope=&layout=&lang=&cameras=&tour=&screen=``: the socket's state."""
    try:
        principal = principal_of_scope(request.scope)
    except NotAuthenticated:
        return JSONResponse({"error": "login required / 请先登录"}, status_code=401)
    q = request.query_params
    try:
        sub = Subscription.parse({
            "scope": q.get("scope"), "layout": int(q.get("layout", "9")),
            "lang": q.get("lang"), "cameras": q.get("cameras").split(",") if q.get("cameras") else None,
            "tour": int(q["tour"]) if q.get("tour") else None, "screen": q.get("screen"),
        })
    except (SubscriptionError, ValueError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    state = await run_in_threadpool(compute_state, principal, sub, cache)
    return JSONResponse(state, status_code=403 if "error" in state else 200,
                        headers={"Cache-Control": "no-store"})


async def wall_socket(websocket: WebSocket, *, cache: WallStateCache) -> None:
    """``/api/wall/ws``: one screen's subscription, state and frames (4401: not logged in)."""
    try:
        principal = principal_of_scope(websocket.scope)
    except NotAuthenticated:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    conn = WallConnection(websocket, principal, cache)
    try:
        await conn.run()
    finally:
        conn.release()


def build_wall_routes(cache: WallStateCache) -> list[BaseRoute]:
    return [
        Route("/api/wall", partial(wall_json, cache=cache), methods=["GET"]),
        WebSocketRoute("/api/wall/ws", partial(wall_socket, cache=cache)),
    ]
