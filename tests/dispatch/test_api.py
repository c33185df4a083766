"""The HTTP API: intake (JSON, photos, idempotency), reads by scope, actions, alerts, errors."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dispatch.api.uploads import MAX_PHOTO_BYTES
from dispatch.models import Case, CaseEvent
from dispatch.principal import Role
from tests.dispatch.apiclient import Api, api_for
from tests.dispatch.factories import COUNTY_LEADER, JUDICIAL, OTHER_COUNTY, Db, intake, principal

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
XICHOU = principal(OTHER_COUNTY, Role.OPERATOR, actor="xichou-op")


@pytest.fixture
def api(db: Db, tmp_path: Path) -> Any:
    people = {"xichou": XICHOU, "judicial": JUDICIAL, "county-leader": COUNTY_LEADER}
    with api_for(db, tmp_path, people) as (client, _bus):
        yield client


def report(api: Api, **overrides: Any) -> dict[str, Any]:
    r = api.post("/api/cases", json=intake(**overrides))
    assert r.status_code in (200, 201), r.text
    return r.json()


def act(api: Api, case: dict[str, Any], action: str, as_: str | None = None, **payload: Any) -> Any:
    return api.post(
        f"/api/cases/{case['id']}/actions",
        as_=as_,
        json={"action": action, "payload": payload, "expected_version": case["version"]},
    )


def test_report_read_and_act_through_the_api(api: Api) -> None:
    report(api, title="另一件")  # something to merge into
    r = api.post(
        "/api/cases", json=intake(title="占道经营", kind="service_request", channel="handed_down")
    )
    assert r.status_code == 201 and r.headers["location"] == f"cases/{r.json()['id']}"
    case = r.json()
    assert case["state"] == "reported" and case["number"].startswith("ZZ-532622-")
    assert case["allowed_actions"] == ["accept", "refuse", "escalate", "merge", "regrade"]
    assert [e["action"] for e in case["timeline"]] == ["report"]
    case = act(api, case, "accept").json()
    case = act(api, case, "dispatch", lead={"department": "532622101-judicial"}).json()
    assert case["state"] == "dispatched" and case["orders"][0]["department"] == "532622101-judicial"
    signed = act(api, case, "sign", as_="judicial", order_id=case["orders"][0]["id"])
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    got = api.get(f"/api/cases/{case['id']}").json()
    assert [e["action"] for e in got["timeline"]] == ["report", "accept", "dispatch", "sign"]
    assert got["timeline"][3]["actor"] == "judicial-liaison"


def test_same_channel_and_external_id_never_make_a_second_case(api: Api, db: Db) -> None:
    first = api.post("/api/cases", json=intake(external_id="GD-2026-0001"))
    again = api.post("/api/cases", json=intake(external_id="GD-2026-0001", source="walk_in"))
    other = api.post("/api/cases", json=intake(channel="referral", external_id="GD-2026-0001"))
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"] and again.json()["source"] == "walk_in"
    changed = api.post("/api/cases", json=intake(external_id="GD-2026-0001", title="重复推送"))
    assert changed.status_code == 409 and changed.json()["fields"] == ["title"]
    with db.begin() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 2


def test_concurrent_deliveries_of_one_report_make_one_case(db: Db, tmp_path: Path) -> None:
    body = intake(external_id="JQ-77")
    codes: list[int] = []

    def deliver() -> None:
        with api_for(db, tmp_path) as (client, _):
            codes.append(client.post("/api/cases", json=body).status_code)

    threads = [threading.Thread(target=deliver, name=f"deliver-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 200, 200, 201]
    with db.begin() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (intake(title=42), "title"),
        (intake(lat="23.4"), "lat"),
        (intake(kind="alien"), "kind"),
        (intake(risk=None), "risk"),
        (intake(title=""), "title"),
        (intake(colour="red"), "colour"),
        ({k: v for k, v in intake().items() if k != "channel"}, "channel"),
        (intake(reported_at="2026-11-24T10:00:00"), "reported_at"),  # naive: ambiguous
        ([1, 2], "body"),
    ],
)
def test_validation_errors_name_the_field(api: Api, body: Any, field: str) -> None:
    r = api.post("/api/cases", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_unknown_centers_grids_and_scopes_are_named(api: Api) -> None:
    r = api.post("/api/cases", json=intake(center="532699"))
    assert (
        r.status_code == 422 and r.json()["field"] == "center" and "532699" in r.json()["message"]
    )
    r = api.post("/api/cases", json=intake(grid="nope"))
    assert r.status_code == 422 and r.json()["field"] == "grid"
    r = api.get("/api/cases?scope=532699")
    assert r.status_code == 404 and "532699" in r.json()["message"]
    assert api.get("/api/centers/532699").status_code == 404


def test_huge_and_malformed_bodies(api: Api) -> None:
    big = json.dumps(intake(description="长" * 200_000)).encode()
    r = api.post("/api/cases", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = api.post("/api/cases", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body"
    r = api.post("/api/cases", content=b"title=x", headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_script_tags_are_stored_as_given_and_come_back_inert(api: Api, db: Db) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    case = report(api, title=evil[:200], description=evil)
    raw = api.get(f"/api/cases/{case['id']}")
    assert "<script>" not in raw.text and "\\u003cscript\\u003e" in raw.text
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.json()["description"] == evil
    with db.begin() as s:
        assert s.get(Case, case["id"]).description == evil  # type: ignore[union-attr]


def test_photos_by_multipart_with_type_and_size_limits(api: Api, tmp_path: Path) -> None:
    form = {"case": json.dumps(intake(title="来访：井盖缺失"))}
    r = api.post(
        "/api/cases",
        data=form,
        files=[("photos", ("a.jpg", JPEG, "image/jpeg")), ("photos", ("b.png", PNG, "image/png"))],
    )
    assert r.status_code == 201, r.text
    atts = r.json()["attachments"]
    assert [a["content_type"] for a in atts] == ["image/jpeg", "image/png"]
    photo = api.get(f"/api/{atts[0]['url']}")
    assert photo.status_code == 200 and photo.content == JPEG
    assert (
        tmp_path / "data" / "attachments" / atts[0]["sha256"][:2] / atts[0]["sha256"]
    ).read_bytes() == JPEG
    bad_type = api.post(
        "/api/cases", data=form, files=[("photos", ("a.gif", b"GIF89a...", "image/gif"))]
    )
    assert bad_type.status_code == 415 and bad_type.json()["field"] == "photos[0]"
    lying = api.post(
        "/api/cases", data=form, files=[("photos", ("a.jpg", b"<html>", "image/jpeg"))]
    )
    assert lying.status_code == 415
    huge = api.post(
        "/api/cases",
        data=form,
        files=[("photos", ("h.jpg", JPEG + bytes(MAX_PHOTO_BYTES), "image/jpeg"))],
    )
    assert huge.status_code == 413
    missing = api.post(
        "/api/cases", data={"other": "x"}, files=[("photos", ("a.jpg", JPEG, "image/jpeg"))]
    )
    assert missing.status_code == 422 and missing.json()["field"] == "case"
    assert (
        api.get("/api/cases?channel=walk_in").json()["total"] == 1
    )  # nothing half-stored


def test_actions_answer_404_409_and_422(api: Api) -> None:
    report(api, title="另一件")  # something to merge into
    case = report(api)
    assert act(api, {"id": 999_999, "version": 1}, "accept").status_code == 404
    wrong = act(api, case, "close")
    assert wrong.status_code == 409
    assert wrong.json()["state"] == "reported"
    assert wrong.json()["allowed_actions"] == ["accept", "refuse", "escalate", "merge", "regrade"]
    ok = act(api, case, "accept")
    assert ok.status_code == 200
    stale = act(api, case, "refuse", reason="太晚了")
    assert stale.status_code == 409 and "reload" in stale.json()["message"]
    r = api.post(f"/api/cases/{case['id']}/actions", json={"action": "refuse", "payload": {}})
    assert r.status_code == 422 and r.json()["field"] == "expected_version"
    r = act(api, ok.json(), "refuse", reason=5)
    assert r.status_code == 409  # accepted cases cannot be refused: the state is checked first
    r = act(api, ok.json(), "extend", as_="county-leader", days="three", reason="x")
    assert r.status_code == 422 and r.json()["field"] == "payload.days"
    assert api.get("/api/cases/999999").status_code == 404
    assert api.get("/api/cases/abc").status_code == 404


def test_reads_are_scoped_to_the_callers_subtree(api: Api) -> None:
    case = report(api)
    assert api.get(f"/api/cases/{case['id']}", as_="xichou").status_code == 404
    assert api.get("/api/cases?scope=532622101", as_="xichou").status_code == 404
    assert api.get("/api/cases", as_="xichou").json()["total"] == 0
    assert api.get("/api/cases?scope=532622", as_="county-leader").json()["total"] == 1
    r = api.post("/api/cases", as_="xichou", json=intake())
    assert r.status_code == 403


def test_list_filters_and_paging(api: Api) -> None:
    for i in range(5):
        report(api, title=f"事件{i}", risk="medium" if i % 2 else "low")
    page = api.get("/api/cases?limit=2&offset=1&risk=low").json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [c["title"] for c in api.get("/api/cases?q=事件4").json()["items"]] == ["事件4"]
    assert api.get("/api/cases?state=reported,accepted").json()["total"] == 5
    assert api.get("/api/cases?state=flying").json()["field"] == "state"
    assert api.get("/api/cases?limit=0").json()["field"] == "limit"
    assert api.get("/api/cases?from=yesterday").json()["field"] == "from"
    assert api.get("/api/cases?overdue=true").json()["total"] == 0


def test_without_a_principal_the_api_answers_401(db: Db, tmp_path: Path) -> None:
    with api_for(db, tmp_path, anonymous=None) as (client, _):
        assert client.get("/api/cases").status_code == 401
        assert client.post("/api/cases", json=intake()).status_code == 401


def test_alerts_are_listed_and_acknowledged_by_name(api: Api) -> None:
    case = report(api, risk="high", kind="gathering", title="聚集")
    alerts = api.get("/api/alerts").json()["items"]
    assert [(a["kind"], a["case_id"]) for a in alerts] == [("high_risk_case", case["id"])]
    r = api.post(f"/api/alerts/{alerts[0]['id']}/ack", json={"note": "值班员 王五 已知悉"})
    assert r.status_code == 200 and r.json()["acked_by"] == "township-op" and r.json()["acked_at"]
    assert api.get("/api/alerts?unacked=true").json()["items"] == []
    assert api.post(f"/api/alerts/{alerts[0]['id']}/ack", as_="xichou", json={}).status_code == 404
    assert api.post("/api/alerts/999/ack", json={}).status_code == 404


def test_centers_and_children(api: Api) -> None:
    doc = api.get("/api/centers/532622101").json()
    assert doc["level"] == 3 and doc["parent"] == "532622"
    assert [c["code"] for c in doc["children"]] == ["532622101201", "532622101202"]
    assert [c["code"] for c in api.get("/api/centers/532622101/children").json()["items"]] == [
        "532622101201",
        "532622101202",
    ]
    assert api.get("/api/centers/532622").status_code == 404  # above the caller


def test_openapi_document_lists_every_route(api: Api) -> None:
    doc = api.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {
        "/cases",
        "/cases/{id}",
        "/cases/{id}/actions",
        "/kpis",
        "/centers/{code}",
        "/alerts",
        "/alerts/{id}/ack",
    }
    assert "dispatch" in doc["x-actions"] and doc["x-actions"]["refuse"]["required"] == ["reason"]
    assert "title" in doc["components"]["schemas"]["CaseIntake"]["properties"]


def test_kpis_route_answers(api: Api) -> None:
    r = api.get("/api/kpis?scope=532622101&from=2026-01-01&to=2026-12-31")
    try:
        import dispatch.kpi  # noqa: F401
    except ModuleNotFoundError:
        assert r.status_code == 501
    else:
        assert r.status_code == 200, r.text
    assert api.get("/api/kpis?from=2026-12-31&to=2026-01-01").status_code in (422, 501)


def test_build_api_reads_the_sla_from_settings(db: Db, tmp_path: Path) -> None:
    from config.settings import Settings
    from dispatch.api import build_api
    from dispatch.events import InProcessBus
    from tests.dispatch.factories import EXAMPLE

    settings = Settings(data_dir=tmp_path, deployment_file=EXAMPLE)
    router = build_api(db.factory, InProcessBus(), settings, anonymous_principal=None)
    assert {getattr(r, "path", None) for r in router.routes} >= {
        "/cases",
        "/alerts",
        "/openapi.json",
    }


def test_a_photo_whose_bytes_are_gone_answers_404(api: Api, tmp_path: Path) -> None:
    form = {"case": json.dumps(intake())}
    att = api.post("/api/cases", data=form, files=[("photos", ("a.png", PNG, "image/png"))]).json()[
        "attachments"
    ][0]
    (tmp_path / "data" / "attachments" / att["sha256"][:2] / att["sha256"]).unlink()
    r = api.get(f"/api/{att['url']}")
    assert r.status_code == 404 and "attachment file" in r.json()["message"]
