"""Acknowledging an alert is a named permission ('ack'), and the acknowledger recorded is the
authenticated principal, never a name sent in the request (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch.accounts.tokens import create_token, principal_for_token
from dispatch.alerts import raise_alert
from dispatch.models import Alert
from dispatch.principal import Principal, Role
from dispatch.types import AlertKind, Severity
from tests.dispatch.apiclient import Api, api_for
from tests.dispatch.factories import COUNTY, POLICE, TOWNSHIP, VILLAGE, Db, principal


def token(db: Db, name: str, actions: list[str]) -> Principal:
    with db.begin() as s:
        row, _ = create_token(s, name, "532622", actions)
        return principal_for_token(row)


@pytest.fixture
def setup(db: Db, tmp_path: Path) -> Iterator[tuple[Api, int, Db]]:
    people = {
        "reader": token(db, "wall-reader", ["read"]),
        "acker": token(db, "duty-bridge", ["read", "ack"]),
        "grid": principal(VILLAGE, Role.GRID_WORKER, actor="cun.grid"),
        "liaison": POLICE,
        "duty": principal(COUNTY, Role.DUTY_OFFICER, actor="xian.duty"),
        "town": principal(TOWNSHIP, Role.OPERATOR, actor="xiang.operator"),
    }
    with db.begin() as s:
        alert, _ = raise_alert(s, AlertKind.CAMERA_OFFLINE, Severity.CRITICAL, VILLAGE,
                               "摄像机离线", "camera_offline:ack-test")
        alert_id = alert.id
    with api_for(db, tmp_path, people) as (api, _bus):
        yield api, alert_id, db


@pytest.mark.parametrize("who", ["reader", "grid", "liaison"])
def test_ack_is_refused_without_the_ack_permission(setup: tuple[Api, int, Db], who: str) -> None:
    api, alert_id, db = setup
    r = api.post(f"/api/alerts/{alert_id}/ack", as_=who, json={})
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "Forbidden" and "'ack'" in r.json()["message"], r.json()
    with db.begin() as s:
        assert s.get(Alert, alert_id).acked_at is None  # type: ignore[union-attr]


def test_the_recorded_acknowledger_is_the_principal_with_its_note(setup: tuple[Api, int, Db]) -> None:
    api, alert_id, db = setup
    refused = api.post(f"/api/alerts/{alert_id}/ack", as_="duty", json={"by": "zhou.leader"})
    assert refused.status_code == 422 and refused.json()["field"] == "by"
    r = api.post(f"/api/alerts/{alert_id}/ack", as_="duty", json={"note": "[请重新登录](http://x)"})
    assert r.status_code == 200, r.text
    assert r.json()["acked_by"] == "xian.duty" and r.json()["acked_at"]
    assert r.json()["ack_note"] == "[请重新登录](http://x)" and r.json()["occurrences"] == 1
    with db.begin() as s:
        row = s.get(Alert, alert_id)
        assert row is not None and row.ack_note == "[请重新登录](http://x)" and row.acked_by == "xian.duty"


@pytest.mark.parametrize("who, actor", [("acker", "token:duty-bridge"), ("town", "xiang.operator")])
def test_an_ack_grant_or_duty_role_of_an_ancestor_center_may_ack(
    setup: tuple[Api, int, Db], who: str, actor: str
) -> None:
    api, alert_id, _ = setup
    r = api.post(f"/api/alerts/{alert_id}/ack", as_=who)
    assert r.status_code == 200 and r.json()["acked_by"] == actor
