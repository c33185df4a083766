"""Trusted intake through the real auth middleware, on SQLite and PostgreSQL: a grid worker
signed in with a session cannot take over a 12345 order number, and the hotline's order, sent
later with its token, lands as its own case; resends and backdating as a sending system meets
them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from config.auth import AuthSettings
from dispatch.accounts.login import login
from dispatch.accounts.users import add_user
from tests.api.conftest import COUNTY, Served
from tests.dispatch.apiclient import Api

VILLAGE = "532622101201"
PASSWORD = "grid-worker-pass-1"


def grid_worker_session(served: Served) -> dict[str, str]:
    """Headers of a signed-in grid worker of the village (its session cookie; a same-origin
    browser request)."""
    with served.db.begin() as s:
        add_user(s, "cun.grid", PASSWORD, VILLAGE, ["grid_worker"])
    with served.db.begin() as s:
        outcome = login(s, "cun.grid", PASSWORD, AuthSettings())
    assert outcome.ok and outcome.token
    return {"Cookie": f"zongzhi_session={outcome.token}", "Origin": "http://test",
            "Sec-Fetch-Site": "same-origin"}


def order(**overrides: Any) -> dict[str, Any]:
    return {"title": "12345 来电：楼道堆放杂物", "kind": "hazard", "channel": "hotline_12345",
            "external_id": "GD-2026-120001", "center": VILLAGE, **overrides}


def count(api: Api, headers: dict[str, str]) -> int:
    return int(api.get("/api/cases", headers=headers).json()["total"])


def test_the_takeover_attempt_fails_and_the_hotline_order_lands_as_its_own_case(served: Served) -> None:
    grid = grid_worker_session(served)
    hotline = {"Authorization": "Bearer " + served.token("hotline", COUNTY, ["report", "read"],
                                                         ["hotline_12345"])}
    with served.client() as api:
        takeover = api.post("/api/cases", json=order(title="网格员抢注"), headers=grid)
        assert takeover.status_code == 403, takeover.text
        assert "hotline_12345" in takeover.json()["message"]
        assert count(api, grid) == 0  # nothing stored under the hotline's key
        own = api.post("/api/cases", headers=grid,
                       json=order(channel="grid_worker", title="网格员上报"))
        assert own.status_code == 201 and own.json()["channel"] == "grid_worker"
        real = api.post("/api/cases", json=order(), headers=hotline)
        assert real.status_code == 201, real.text
        doc = real.json()
        assert doc["id"] != own.json()["id"] and doc["title"] == "12345 来电：楼道堆放杂物"
        assert (doc["channel"], doc["source"], doc["external_id"]) == (
            "hotline_12345", "hotline_12345", "GD-2026-120001")
        assert [e["actor"] for e in doc["timeline"]] == ["token:hotline"]
        retry = api.post("/api/cases", json=order(), headers=hotline)
        assert retry.status_code == 200 and retry.json()["id"] == doc["id"]
        changed = api.post("/api/cases", json=order(title="改了标题", kind="dispute"), headers=hotline)
        assert changed.status_code == 409
        assert changed.json()["fields"] == ["kind", "title"] and changed.json()["field"] == "kind"
        assert count(api, hotline) == 2


def test_a_token_reports_only_on_its_channels_and_backdates_only_within_the_tolerance(
    served: Served,
) -> None:
    police = {"Authorization": "Bearer " + served.token("police", COUNTY, ["report"], ["police_push"])}
    bare = {"Authorization": "Bearer " + served.token("bare", COUNTY, ["report"])}
    grid = grid_worker_session(served)
    now = datetime.now(UTC)
    with served.client() as api:
        assert api.post("/api/cases", json=order(), headers=police).status_code == 403
        assert api.post("/api/cases", json=order(channel="police_push"), headers=bare).status_code == 403
        old = order(channel="police_push", reported_at=(now - timedelta(days=30)).isoformat())
        r = api.post("/api/cases", json=old, headers=police)
        assert r.status_code == 422 and r.json()["field"] == "reported_at"
        r = api.post("/api/cases", json={**old, "reported_at": "2020-01-01T00:00:00+08:00"}, headers=police)
        assert r.status_code == 422 and r.json()["field"] == "reported_at"
        ahead = {**old, "reported_at": (now + timedelta(hours=1)).isoformat()}
        r = api.post("/api/cases", json=ahead, headers=police)
        assert r.status_code == 422 and "future" in r.json()["message"]
        fine = {**old, "reported_at": (now - timedelta(hours=2)).isoformat()}
        r = api.post("/api/cases", json=fine, headers=police)
        assert r.status_code == 201, r.text
        stored = datetime.fromisoformat(r.json()["reported_at"])
        assert abs(stored - (now - timedelta(hours=2))) < timedelta(seconds=1)
        walk = api.post("/api/cases", headers=grid, json=order(
            channel="grid_worker", external_id=None, reported_at=(now - timedelta(hours=2)).isoformat()))
        assert walk.status_code == 422 and walk.json()["field"] == "reported_at"
