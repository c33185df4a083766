"""/api behind the auth edge, as real accounts and tokens over a real uvicorn.

A township operator cannot see or act on another township's cases; a county leader sees all of
the county's; a department liaison signs and returns only its own orders; the 12345 hotline
token creates cases but cannot act on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.routing import Mount

from dispatch.accounts.models import AccessAudit
from dispatch.api import build_api
from dispatch.events import InProcessBus
from dispatch.models import Case, DispatchOrder
from dispatch.principal import Role
from tests.accounts.conftest import COUNTY, AccountsDb
from tests.accounts.live import LiveApp
from tests.dispatch.factories import (
    COUNTY_OP,
    JUDICIAL,
    OPERATOR,
    act,
    new_case,
    order_ids,
    principal,
)

PINGYUAN_OP = principal("532600/532622/532622102", Role.OPERATOR, actor="pingyuan-op")


@pytest.fixture
def live(adb: AccountsDb) -> Iterator[LiveApp]:
    api = build_api(adb.factory, InProcessBus(), adb.db.sla, data_dir=None)
    with LiveApp(adb, routes=[Mount("/api", app=api)]) as app:
        yield app


def json_post(c: httpx.Client, live: LiveApp, url: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return c.post(url, json=body, headers={"Origin": live.origin, **headers})


def do(c: httpx.Client, live: LiveApp, case_id: int, action: str, **payload: Any) -> httpx.Response:
    current = c.get(f"/api/cases/{case_id}")
    version = current.json().get("version", 0) if current.status_code == 200 else 0
    return json_post(c, live, f"/api/cases/{case_id}/actions",
                     {"action": action, "payload": payload, "expected_version": version})


def denied_resources(adb: AccountsDb) -> list[tuple[str | None, str, int | None]]:
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).where(AccessAudit.event == "denied")).all()
        return [(r.actor, r.resource, r.status) for r in rows]


def walk_to_visited(adb: AccountsDb, case_id: int) -> None:
    act(adb.db, OPERATOR, case_id, "accept")
    act(adb.db, OPERATOR, case_id, "dispatch", lead={"department": "532622101-judicial"})
    (order,) = order_ids(adb.db, case_id)["lead/pending"]
    for action, extra in (("sign", {}), ("start", {}), ("resolve", {"result": "已调解"})):
        act(adb.db, JUDICIAL, case_id, action, order_id=order, **extra)
    act(adb.db, OPERATOR, case_id, "verify")
    act(adb.db, OPERATOR, case_id, "visit", satisfaction="satisfied")


def test_township_operator_is_refused_another_townships_cases(live: LiveApp, adb: AccountsDb) -> None:
    ours = new_case(adb.db, OPERATOR).id
    theirs = new_case(adb.db, PINGYUAN_OP, center="532622102").id
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        assert c.get(f"/api/cases/{ours}").status_code == 200
        assert c.get(f"/api/cases/{theirs}").status_code == 404  # existence does not leak
        assert do(c, live, theirs, "accept").status_code == 404
        listed = c.get("/api/cases", params={"scope": "532622"})
        assert listed.status_code == 404
        mine = c.get("/api/cases").json()
        ids = {item["id"] for item in mine["items"]}
        assert ours in ids and theirs not in ids
        report = json_post(c, live, "/api/cases", {"title": "越权上报", "kind": "dispute",
                                                   "channel": "walk_in", "center": "532622102"})
        assert report.status_code == 403
    with adb.factory() as s:
        assert s.get(Case, theirs).state == "reported"
    assert ("op.jiangna", "POST /api/cases", 403) in denied_resources(adb)


def test_county_leader_sees_every_case_of_the_county(live: LiveApp, adb: AccountsDb) -> None:
    a = new_case(adb.db, OPERATOR).id
    b = new_case(adb.db, PINGYUAN_OP, center="532622102").id
    with live.login("leader.county", adb.user("leader.county")) as c:
        assert c.get(f"/api/cases/{a}").status_code == 200
        assert c.get(f"/api/cases/{b}").status_code == 200
        ids = {item["id"] for item in c.get("/api/cases", params={"scope": COUNTY}).json()["items"]}
        assert {a, b} <= ids
        assert c.get("/api/cases", params={"scope": "532623"}).status_code == 404  # the other county


def test_liaison_signs_and_returns_only_its_own_orders(live: LiveApp, adb: AccountsDb) -> None:
    county_case = new_case(adb.db, COUNTY_OP, center="532622").id
    act(adb.db, COUNTY_OP, county_case, "accept")
    act(adb.db, COUNTY_OP, county_case, "dispatch", lead={"department": "532622-police"})
    (police_order,) = order_ids(adb.db, county_case)["lead/pending"]
    town_case = new_case(adb.db, OPERATOR).id
    act(adb.db, OPERATOR, town_case, "accept")
    act(adb.db, OPERATOR, town_case, "dispatch", lead={"department": "532622101-judicial"})
    (judicial_order,) = order_ids(adb.db, town_case)["lead/pending"]

    with live.login("judicial", adb.user("judicial")) as c:
        refused = do(c, live, county_case, "sign", order_id=police_order)
        assert refused.status_code == 404  # the county's case is not the township liaison's to see
        assert do(c, live, town_case, "sign", order_id=judicial_order).status_code == 200
    with live.login("police", adb.user("police")) as c:
        assert do(c, live, town_case, "return", order_id=judicial_order, reason="不归我管").status_code in (403, 404)
        # 退单 before 签收: the return waits for the county's decision (the case stays put).
        back = do(c, live, county_case, "return", order_id=police_order, reason="非本部门职责")
        assert back.status_code == 200, back.text
        assert do(c, live, county_case, "sign", order_id=police_order).status_code == 409
    with adb.factory() as s:
        assert s.get(Case, town_case).state == "signed"
        assert s.get(DispatchOrder, police_order).state == "return_asked"


def test_hotline_token_creates_cases_but_cannot_act_on_them(live: LiveApp, adb: AccountsDb) -> None:
    value = adb.token("hotline", COUNTY, ["report"], ["hotline_12345"])
    auth = {"Authorization": f"Bearer {value}"}
    body = {"title": "12345 来电: 噪音投诉", "kind": "dispute", "channel": "hotline_12345",
            "source": "hotline_12345", "external_id": "H-0001", "center": "532622101"}
    with httpx.Client(base_url=live.base, timeout=30) as c:
        created = c.post("/api/cases", json=body, headers=auth)
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        assert c.post("/api/cases", json=body, headers=auth).json()["id"] == case_id  # retried delivery
        other_source = c.post("/api/cases", headers=auth, json={
            **body, "channel": "police_push", "source": "police_push", "external_id": "P-1"})
        assert other_source.status_code == 403
        outside = c.post("/api/cases", json={**body, "external_id": "H-2", "center": "532623"}, headers=auth)
        assert outside.status_code == 403
        version = c.get(f"/api/cases/{case_id}", headers=auth).json()["version"]
        accept = c.post(f"/api/cases/{case_id}/actions", headers=auth,
                        json={"action": "accept", "payload": {}, "expected_version": version})
        assert accept.status_code == 403
        # Walk the case to where closing is the next step, then let the token try.
        walk_to_visited(adb, case_id)
        version = c.get(f"/api/cases/{case_id}", headers=auth).json()["version"]
        close = c.post(f"/api/cases/{case_id}/actions", headers=auth,
                       json={"action": "close", "payload": {}, "expected_version": version})
        assert close.status_code == 403, close.text
        assert c.get("/wall", headers=auth).status_code == 403  # no pages for programs
    with adb.factory() as s:
        assert s.get(Case, case_id).state == "visited"
    assert ("token:hotline", f"POST /api/cases/{case_id}/actions", 403) in denied_resources(adb)
