"""The wall's state (tiles, overlays, ribbon, alerts) and its WebSocket with a real stream hub."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from websockets.sync.client import connect

from config.deployment import parse_deployment
from dashboard.server.access import open_principal
from dashboard.server.services import Services
from dashboard.wall.routes import build_wall_routes
from dashboard.wall.state import WallStateCache, compute_wall_state, wall_state
from dispatch.alerts import raise_alert
from dispatch.scopes import resolve
from dispatch.types import AlertKind, Severity
from dispatch.wall import WallQuery
from streams.hub import StreamHub
from tests.dashboard.factories import PREFECTURE, make_case, small_deployment_dict
from tests.dashboard.live import LiveRoutes

COUNTY = "532621"
VILLAGE = "532621101202"


def state(svc: Services, code: str, layout: int = 4, lang: str = "zh-CN") -> dict:
    with svc.session_factory() as session:
        center = resolve(session, svc.open_principal, code)  # type: ignore[arg-type]
        return wall_state(session, WallQuery(center, layout), lang)


def test_tiles_overlays_and_ribbon_for_a_scope(services_any: Services) -> None:
    svc = services_any
    with svc.session_factory.begin() as session:
        make_case(session, VILLAGE, title="山林起火", kind="emergency", risk="high",
                  leader="王书记", plan="一案一策")
        make_case(session, "532622101201", title="别县的事")
    s = state(svc, COUNTY, layout=16)
    names = [t["camera"] for t in s["tiles"]]
    assert names[0] == "cam-532621"  # the county's own camera first, then lower levels
    assert all(n.startswith("cam-532621") for n in names)  # nothing from the other county
    village = next(t for t in s["tiles"] if t["camera"] == f"cam-{VILLAGE}")
    assert (village["open"], village["high_risk"], village["overdue"]) == (1, 1, 0)
    assert village["center_name"] == "东镇下村综治中心"
    county = next(t for t in s["tiles"] if t["camera"] == "cam-532621")
    assert county["open"] == 1  # the county counts its whole subtree
    assert s["kpis"]["reported_today"] == 1
    assert s["kpis"]["open_alerts"] == 1  # the high-risk case raised exactly one
    assert len(state(svc, COUNTY, layout=4)["tiles"]) == 4


def test_new_critical_camera_alert_brings_its_camera_first(services_any: Services) -> None:
    svc = services_any
    before = [t["camera"] for t in state(svc, PREFECTURE, layout=4)["tiles"]]
    assert f"cam-{VILLAGE}" not in before
    with svc.session_factory.begin() as session:
        raise_alert(session, AlertKind.CAMERA_TAMPERED, Severity.CRITICAL, f"{PREFECTURE}/{COUNTY}/532621101/{VILLAGE}",
                    "画面遮挡", f"camera_tampered:cam-{VILLAGE}", camera_id=f"cam-{VILLAGE}",
                    now=datetime.now(UTC))
    s = state(svc, PREFECTURE, layout=4)
    assert s["tiles"][0]["camera"] == f"cam-{VILLAGE}" and s["tiles"][0]["highlight"] is True
    assert not any(t["highlight"] for t in s["tiles"][1:])
    assert s["alerts"][0]["kind_label"] == "摄像头遮挡/异常"
    assert state(svc, PREFECTURE, layout=4, lang="en")["alerts"][0]["kind_label"] == "Camera tampered"


def test_cache_answers_once_per_second_and_drops_on_change(services: Services) -> None:
    calls: list[int] = []

    def compute(*args: object) -> dict:
        calls.append(1)
        return {"n": len(calls)}

    cache = WallStateCache(compute, ttl=60)
    services.bus.subscribe("*", cache.invalidate)
    assert cache.get(("k",)) == cache.get(("k",)) == {"n": 1}
    with services.session_factory.begin() as session:
        make_case(session, VILLAGE)  # publishes on commit
    assert cache.get(("k",)) == {"n": 2}


@pytest.fixture
def hub(services: Services) -> Iterator[StreamHub]:
    cameras = parse_deployment(small_deployment_dict()).cameras
    hub = StreamHub(cameras, services.settings.streams)
    hub.start_sync()
    services.hub = hub
    try:
        yield hub
    finally:
        services.hub = None
        hub.stop_sync()


def wall_server() -> LiveRoutes:
    return LiveRoutes(build_wall_routes(WallStateCache(compute_wall_state, ttl=1.0)))


def test_socket_sends_state_then_shared_jpeg_frames(services: Services, hub: StreamHub) -> None:
    with wall_server() as live, connect(f"{live.ws}/api/wall/ws") as ws:
        ws.send(json.dumps({"scope": COUNTY, "layout": 4, "lang": "zh-CN"}))
        first = json.loads(ws.recv(timeout=20))
        tiles = [t["camera"] for t in first["tiles"]]
        assert len(tiles) == 4 and first["scope"]["code"] == COUNTY
        frames: dict[str, int] = {}
        while len(frames) < 4 or min(frames.values()) < 2:
            data = ws.recv(timeout=20)
            if isinstance(data, str):
                continue
            camera = data[1 : 1 + data[0]].decode()
            assert camera in tiles
            assert data[1 + data[0] : 3 + data[0]] == b"\xff\xd8"  # a JPEG follows the header
            frames[camera] = frames.get(camera, 0) + 1
        assert all(hub.camera(c).sub.viewers == 1 for c in tiles)
        ws.send(json.dumps({"scope": "532622", "layout": 1, "lang": "en"}))
        while isinstance(message := ws.recv(timeout=20), bytes):
            pass
        moved = json.loads(message)
        assert [t["camera"] for t in moved["tiles"]] == ["cam-532622"]
    deadline = time.monotonic() + 10
    while any(hub.camera(c).sub.viewers for c in tiles) and time.monotonic() < deadline:
        time.sleep(0.05)
    # the viewer is gone: nobody watches the tiles any more
    assert all(hub.camera(c).sub.viewers == 0 for c in tiles)


def test_socket_and_json_refuse_a_scope_outside_the_viewer(services: Services) -> None:
    services.open_principal = open_principal(f"{PREFECTURE}/{COUNTY}")
    with wall_server() as live:
        get = lambda **q: httpx.get(f"{live.http}/api/wall", params=q, timeout=20)  # noqa: E731
        assert get(scope=COUNTY, layout=4).status_code == 200
        refused = get(scope="532622", layout=4)
        assert refused.status_code == 403 and "无权查看" in refused.json()["error"]
        assert get(scope=COUNTY, layout=5).status_code == 422
        with connect(f"{live.ws}/api/wall/ws") as ws:
            ws.send(json.dumps({"scope": "532622", "layout": 4, "lang": "en"}))
            assert "may not view" in json.loads(ws.recv(timeout=20))["error"]
            ws.send("not json")
            assert "error" in json.loads(ws.recv(timeout=20))
