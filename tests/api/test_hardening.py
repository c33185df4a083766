"""Inputs that used to answer 500 or break the document: ids beyond the integer range, JSON
nested too deep, texts no column can store, HTTP-level errors as text. Both databases."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import COUNTY, Served
from tests.dispatch.factories import intake

HUGE = 2**63  # one past PostgreSQL's BIGINT and SQLite's INTEGER (2**31: past PostgreSQL's INTEGER)


@pytest.fixture
def auth(served: Served) -> dict[str, str]:
    value = served.token("probe", COUNTY, ["report", "accept", "read", "session.join"],
                         ["hotline_12345", "walk_in", "grid_worker"])
    return {"Authorization": f"Bearer {value}"}


def a_case(served: Served, auth: dict[str, str]) -> dict:
    with served.client() as c:
        r = c.post("/api/cases", json=intake(), headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("path", [
    f"/api/cases/{HUGE}",
    f"/api/cases/{2**31}",
    f"/api/cases/{2**70}",
    "/api/cases/1/attachments/{huge}",
    "/api/cases/{huge}/attachments/1",
    f"/api/consultations/{HUGE}",
])
def test_ids_beyond_the_integer_range_answer_404_json(served: Served, auth: dict[str, str], path: str) -> None:
    a_case(served, auth)
    with served.client() as c:
        r = c.get(path.format(huge=HUGE), headers=auth)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/json") and r.json()["error"]


@pytest.mark.parametrize("path", [f"/api/cases/{HUGE}/actions", f"/api/alerts/{HUGE}/ack",
                                  f"/api/consultations/{HUGE}/notes"])
def test_posts_to_ids_beyond_the_integer_range_answer_404(served: Served, auth: dict[str, str], path: str) -> None:
    with served.client() as c:
        r = c.post(path, json={"action": "accept", "payload": {}, "expected_version": 1, "text": "x"},
                   headers=auth)
    assert r.status_code == 404, r.text
    assert r.json()["error"]


def test_integers_beyond_the_range_in_bodies_and_queries_are_422(served: Served, auth: dict[str, str]) -> None:
    case = a_case(served, auth)
    with served.client() as c:
        r = c.post(f"/api/cases/{case['id']}/actions", headers=auth,
                   json={"action": "accept", "payload": {}, "expected_version": HUGE})
        assert r.status_code == 422 and r.json()["field"] == "expected_version", r.text
        r = c.get(f"/api/consultations?case_id={HUGE}", headers=auth)
        assert r.status_code == 422 and r.json()["field"] == "case_id", r.text
        r = c.post("/api/consultations", json={"case_id": HUGE}, headers=auth)
        assert r.status_code == 422 and r.json()["field"] == "case_id", r.text


def test_json_nested_a_thousand_deep_answers_400(served: Served, auth: dict[str, str]) -> None:
    case = a_case(served, auth)
    deep = "[" * 1000 + "]" * 1000
    deeper = '{"a":' * 40_000 + "1" + "}" * 40_000
    shallow_but_over = json.dumps({"title": 1}).replace("1", "[" * 40 + "]" * 40)
    with served.client() as c:
        for path, body in [("/api/cases", deep), (f"/api/cases/{case['id']}/actions", deep),
                           ("/api/cases", deeper),
                           ("/api/cases", shallow_but_over),
                           ("/api/consultations", deep)]:
            r = c.post(path, content=body, headers={**auth, "Content-Type": "application/json"})
            assert r.status_code == 400, (path, r.status_code, r.text[:200])
            assert r.json()["error"] == "too_deep"


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "\udfff"])
def test_unstorable_text_in_a_body_is_422_naming_the_field(served: Served, auth: dict[str, str], text: str) -> None:
    case = a_case(served, auth)
    raw = json.dumps  # ensure_ascii: lone surrogates travel as \\ud800 escapes, as a client sends them
    with served.client() as c:
        r = c.post("/api/cases", content=raw(intake(title=text)), headers={**auth, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "title", r.text
        r = c.post("/api/cases", content=raw(intake(description="ok", reporter=text)),
                   headers={**auth, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "reporter", r.text
        r = c.post(f"/api/cases/{case['id']}/actions", headers={**auth, "Content-Type": "application/json"},
                   content=raw({"action": "accept", "payload": {"note": text}, "expected_version": case["version"]}))
        assert r.status_code == 422 and r.json()["field"] == "payload.note", r.text
        r = c.post("/api/cases", headers=auth,
                   files={"case": (None, raw(intake(title=text)))})
        assert r.status_code == 422 and r.json()["field"] == "title", r.text


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
def test_unstorable_text_in_the_query_or_path_is_422_naming_it(served: Served, auth: dict[str, str], text: str) -> None:
    a_case(served, auth)
    quoted = text.replace("\x00", "%00")
    with served.client() as c:
        r = c.get(f"/api/cases?q={quoted}", headers=auth)
        assert r.status_code == 422 and r.json()["field"] == "q", r.text
        r = c.get(f"/api/alerts?kind={quoted}", headers=auth)
        assert r.status_code == 422 and r.json()["field"] == "kind", r.text
        r = c.get(f"/api/centers/{quoted}", headers=auth)
        assert r.status_code in (404, 422) and r.headers["content-type"].startswith("application/json"), r.text


def test_http_level_errors_are_json(served: Served, auth: dict[str, str]) -> None:
    with served.client() as c:
        for method, path, status in [("GET", "/api/nothing-here", 404), ("GET", "/api/cases/abc", 404),
                                     ("PUT", "/api/cases", 405), ("DELETE", "/api/consultations", 404),
                                     ("PATCH", "/api/consultations/1", 404)]:
            r = c.request(method, path, headers=auth)
            assert r.status_code == status, (method, path, r.status_code)
            assert r.headers["content-type"].startswith("application/json"), (path, r.text)
            assert set(r.json()) >= {"error", "message"}
