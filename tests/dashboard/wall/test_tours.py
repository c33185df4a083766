"""Wall tours (camera groups of a center, paged on a clock, paused by critical alerts) and
multi-screen walls (``screen=k/n``), on SQLite and PostgreSQL, and over the real WebSocket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from websockets.sync.client import connect

from config.deployment import parse_deployment
from dashboard.server.services import Services
from dashboard.wall.routes import build_wall_routes
from dashboard.wall.state import WallStateCache, compute_wall_state, wall_state
from dashboard.wall.subscription import Subscription, SubscriptionError
from dispatch import tours
from dispatch.alerts import ack_alert, list_alerts, raise_alert
from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.principal import Role
from dispatch.scopes import resolve
from dispatch.types import AlertKind, Severity
from dispatch.wall import Screen, TourRequest, WallQuery
from streams.hub import StreamHub
from tests.dashboard.factories import PREFECTURE, operator, small_deployment_dict
from tests.dashboard.live import LiveRoutes

COUNTY = "532621"
COUNTY_PATH = f"{PREFECTURE}/{COUNTY}"
ONE_SCREEN = Screen()
GROUP = [f"cam-{COUNTY}", f"cam-{COUNTY}101", f"cam-{COUNTY}101201", f"cam-{COUNTY}102",
         f"cam-{COUNTY}102202"]


def center(svc: Services, code: str):  # noqa: ANN201 - a CenterRef
    with svc.session_factory() as session:
        return resolve(session, svc.open_principal, code)  # type: ignore[arg-type]


def make_group(svc: Services, name: str = "城区主要路口", cameras: list[str] = GROUP,
               interval: int = 10) -> tours.Group:
    with svc.session_factory.begin() as session:
        return tours.save_group(session, operator(COUNTY_PATH), center(svc, COUNTY), name, cameras, interval)


def state(svc: Services, code: str, layout: int, *, tour: tours.Group | None = None, at: float = 0.0,
          screen: Screen = ONE_SCREEN) -> dict:
    req = TourRequest.at(tour, at) if tour else None
    with svc.session_factory() as session:
        return wall_state(session, WallQuery(center(svc, code), layout, None, req, screen), "zh-CN")


def test_groups_are_saved_per_center_and_checked(services_any: Services) -> None:
    svc = services_any
    group = make_group(svc)
    county = center(svc, COUNTY)
    with svc.session_factory() as session:
        assert [g.name for g in tours.list_groups(session, county)] == ["城区主要路口"]
        assert tours.list_groups(session, center(svc, "532622")) == []
        assert tours.get_group(session, operator(), group.id).cameras == tuple(GROUP)
        with pytest.raises(NotFound):  # another county's account never sees it
            tours.get_group(session, operator(f"{PREFECTURE}/532622"), group.id)
    with svc.session_factory.begin() as session:
        edited = tours.save_group(session, operator(COUNTY_PATH), county, "城区", GROUP[::-1][:2], 5,
                                  group_id=group.id)
    assert (edited.id, edited.name, edited.cameras, edited.interval_s) == (group.id, "城区", tuple(GROUP[::-1][:2]), 5)
    refusals = [
        ("name", lambda s: tours.save_group(s, operator(COUNTY_PATH), county, " ", GROUP, 5)),
        ("cameras", lambda s: tours.save_group(s, operator(COUNTY_PATH), county, "外县", ["cam-532622"], 5)),
        ("cameras", lambda s: tours.save_group(s, operator(COUNTY_PATH), county, "空", [], 5)),
        ("interval_s", lambda s: tours.save_group(s, operator(COUNTY_PATH), county, "快", GROUP, 1)),
    ]
    for field, attempt in refusals:
        with svc.session_factory.begin() as session, pytest.raises(InvalidInput) as refused:
            attempt(session)
        assert refused.value.field == field
    make_group(svc, "第二组", GROUP[:1])
    with svc.session_factory.begin() as session, pytest.raises(InvalidInput):  # names are unique per center
        tours.save_group(session, operator(COUNTY_PATH), county, "第二组", GROUP, 5, group_id=group.id)
    liaison = operator(COUNTY_PATH, Role.LIAISON)
    assert not tours.may_edit(liaison, county) and tours.may_edit(operator(COUNTY_PATH), county)
    with svc.session_factory.begin() as session, pytest.raises(Forbidden):
        tours.save_group(session, liaison, county, "联络员的组", GROUP, 5)
    with svc.session_factory.begin() as session:
        tours.delete_group(session, operator(COUNTY_PATH), county, group.id)
    with svc.session_factory() as session:
        assert [g.name for g in tours.list_groups(session, county)] == ["第二组"]


def test_tour_turns_its_pages_on_the_clock(services_any: Services) -> None:
    svc = services_any
    group = make_group(svc, interval=10)
    pages = [[t["camera"] for t in state(svc, COUNTY, 4, tour=group, at=at)["tiles"]] for at in (0, 9.9, 10, 20)]
    assert pages == [GROUP[:4], GROUP[:4], GROUP[4:], GROUP[:4]]
    s = state(svc, COUNTY, 4, tour=group, at=12)
    assert {k: s["tour"][k] for k in ("name", "page", "pages", "interval", "paused", "ends_at")} == {
        "name": "城区主要路口", "page": 2, "pages": 2, "interval": 10, "paused": False, "ends_at": 20.0}
    assert [t["camera"] for t in state(svc, COUNTY, 1, tour=group, at=30)["tiles"]] == [GROUP[3]]
    # A prefecture wall touring the county's group shows the same cameras; a scope that holds
    # none of them shows none.
    assert [t["camera"] for t in state(svc, PREFECTURE, 9, tour=group, at=0)["tiles"]] == GROUP
    assert state(svc, "532622", 9, tour=group, at=0)["tiles"] == []


def test_a_critical_alert_pauses_the_tour_and_pins_its_camera_until_acknowledged(
    services_any: Services,
) -> None:
    svc = services_any
    group = make_group(svc, interval=10)
    pinned = f"cam-{COUNTY}102201"  # in the county, not in the group
    raised_at = datetime.fromtimestamp(15, UTC)  # during page 2 of the tour
    with svc.session_factory.begin() as session:
        raise_alert(session, AlertKind.CAMERA_TAMPERED, Severity.CRITICAL,
                    f"{COUNTY_PATH}/{COUNTY}102/{COUNTY}102201", "画面遮挡",
                    f"camera_tampered:{pinned}", camera_id=pinned, now=raised_at)
    with svc.session_factory() as session:
        (alert_id,) = [a.id for a in list_alerts(session, operator(), COUNTY_PATH, unacked_only=True)
                       if a.camera_id == pinned]
    for at in (100, 110, 125):  # long after: the page stays as it was when the alert came in
        s = state(svc, COUNTY, 4, tour=group, at=at)
        assert [t["camera"] for t in s["tiles"]] == [pinned, GROUP[4]]
        assert [t["highlight"] for t in s["tiles"]] == [True, False]
        assert s["tour"]["paused"] is True
    with svc.session_factory.begin() as session:
        ack_alert(session, operator(), alert_id, now=datetime.now(UTC))
    s = state(svc, COUNTY, 4, tour=group, at=100)
    assert [t["camera"] for t in s["tiles"]] == GROUP[:4] and s["tour"]["paused"] is False
    assert not any(t["highlight"] for t in s["tiles"])


def test_a_camera_alert_pins_however_old_until_acknowledged(services_any: Services) -> None:
    svc = services_any
    with svc.session_factory.begin() as session:
        raise_alert(session, AlertKind.CAMERA_TAMPERED, Severity.CRITICAL, f"{COUNTY_PATH}/{COUNTY}102",
                    "old", "camera_tampered:old", camera_id=f"cam-{COUNTY}102",
                    now=datetime.now(UTC) - timedelta(hours=5))
    assert state(svc, COUNTY, 4)["tiles"][0]["camera"] == f"cam-{COUNTY}102"


def test_screens_of_one_wall_split_the_scope(services_any: Services) -> None:
    svc = services_any
    everything = [t["camera"] for t in state(svc, PREFECTURE, 25)["tiles"]]
    assert len(everything) == 15  # the whole small prefecture fits one 25-tile screen
    shares = [[t["camera"] for t in state(svc, PREFECTURE, 16, screen=Screen(k, 4))["tiles"]] for k in range(1, 5)]
    assert [len(s) for s in shares] == [4, 4, 4, 3]
    assert sum(shares, []) == everything  # in order, each camera once
    small = [[t["camera"] for t in state(svc, PREFECTURE, 4, screen=Screen(k, 2))["tiles"]] for k in (1, 2)]
    assert small == [everything[:4], everything[4:8]]  # full screens; the rest waits for a tour
    group = make_group(svc, interval=10)
    touring = [[t["camera"] for t in state(svc, COUNTY, 1, tour=group, at=0, screen=Screen(k, 2))["tiles"]]
               for k in (1, 2)]
    assert touring == [GROUP[:1], GROUP[1:2]]  # a tour's page spans the screens


def test_subscriptions_are_checked() -> None:
    sub = Subscription.parse({"scope": COUNTY, "layout": 25, "tour": 3, "screen": "2/4"})
    assert (sub.layout, sub.tour, sub.screen) == (25, 3, Screen(2, 4))
    for bad in ({"screen": "5/4"}, {"screen": "0/2"}, {"screen": "x"}, {"tour": "3"}, {"tour": True},
                {"layout": 36}):
        with pytest.raises(SubscriptionError):
            Subscription.parse({"scope": COUNTY, "layout": 9, **bad})


@pytest.fixture
def hub(services: Services) -> Iterator[StreamHub]:
    hub = StreamHub(parse_deployment(small_deployment_dict()).cameras, services.settings.streams)
    hub.start_sync()
    services.hub = hub
    try:
        yield hub
    finally:
        services.hub = None
        hub.stop_sync()


def test_the_socket_turns_tour_pages_and_keeps_the_group_decoding(services: Services, hub: StreamHub) -> None:
    group = make_group(services, interval=2)
    pages: list[list[str]] = []
    with LiveRoutes(build_wall_routes(WallStateCache(compute_wall_state, ttl=1.0))) as live, \
            connect(f"{live.ws}/api/wall/ws") as ws:
        ws.send(json.dumps({"scope": COUNTY, "layout": 4, "lang": "zh-CN", "tour": group.id}))
        deadline = time.monotonic() + 20
        while len({tuple(p) for p in pages}) < 2 or len(pages) < 3:
            assert time.monotonic() < deadline, f"the tour did not turn: {pages}"
            message = ws.recv(timeout=20)
            if isinstance(message, str):
                s = json.loads(message)
                cams = [t["camera"] for t in s["tiles"]]
                if not pages or pages[-1] != cams:
                    pages.append(cams)
                # every camera of the group is decoding (a tile viewer or the tour's hold)
                assert all(hub.camera(c).sub.viewers >= 1 for c in GROUP)
                assert all(hub.camera(c).sub.wants_frames() for c in GROUP)
        assert GROUP[:4] in pages and GROUP[4:] in pages
        ws.send(json.dumps({"scope": COUNTY, "layout": 4, "lang": "zh-CN", "tour": 99999}))
        while isinstance(message := ws.recv(timeout=20), bytes) or "error" not in json.loads(message):
            pass
        assert json.loads(message)["error"] == "该轮巡分组不存在或无权查看"
    deadline = time.monotonic() + 10
    while any(hub.camera(c).sub.viewers for c in GROUP) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(hub.camera(c).sub.viewers == 0 for c in GROUP)  # holds released with the screen
