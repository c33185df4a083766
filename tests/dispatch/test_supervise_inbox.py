"""督办: a higher center supervises a lower center's case; the receiving desk finds it in its
inbox's 督办/催办 tab, counted exactly; the trail and the API show it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dispatch.desk.inbox import Tab, inbox_counts, inbox_page
from dispatch.errors import InvalidInput, RuleViolation
from dispatch.models import Alert, CaseEvent
from dispatch.principal import Role
from dispatch.types import AlertKind
from tests.dispatch.apiclient import api_for
from tests.dispatch.factories import (
    COUNTY_OP,
    OPERATOR,
    PREFECTURE,
    T0,
    VILLAGE_OP,
    Db,
    act,
    new_case,
    order_ids,
    principal,
    recount_inbox,
)

PREFECTURE_OP = principal(PREFECTURE, Role.OPERATOR, actor="prefecture-op")
TO_VILLAGE = {"center": "532622101201"}


def _to_village(db: Db) -> int:
    case = new_case(db, title="村道占用纠纷")
    act(db, OPERATOR, case.id, "accept")
    act(db, OPERATOR, case.id, "dispatch", lead=TO_VILLAGE)
    return case.id


def test_the_village_finds_the_county_supervision_in_its_inbox(db: Db) -> None:
    case_id = _to_village(db)
    quiet = _to_village(db)  # dispatched too, never supervised
    at = T0 + timedelta(hours=1)
    act(db, COUNTY_OP, case_id, "supervise", at, note="请于三日内化解并报结果", deadline="2026-11-27")
    with db.factory() as s:
        counts = inbox_counts(s, VILLAGE_OP)
        assert counts[Tab.SUPERVISED] == 1 == recount_inbox(s, VILLAGE_OP)["supervised"]
        assert counts[Tab.TO_SIGN] == 2
        (item,) = inbox_page(s, VILLAGE_OP, Tab.SUPERVISED, now=at).items
        event = s.scalars(sa.select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "supervise")).one()
        alert = s.scalars(sa.select(Alert).where(
            Alert.case_id == case_id, Alert.kind == AlertKind.SUPERVISION.value)).one()
        township = inbox_counts(s, OPERATOR)[Tab.SUPERVISED]
    assert item.case_id == case_id and item.case_id != quiet
    assert item.supervise_by == "砚山县综治中心"  # the county's name
    assert item.supervise_note == "请于三日内化解并报结果"
    assert item.supervise_due_on == date(2026, 11, 27)
    assert item.order_id is None  # the tab lists cases; the order is on the case page
    assert event.actor == "county-op" and event.from_state == event.to_state == "dispatched"
    assert event.payload["note"] == "请于三日内化解并报结果"
    assert event.payload["deadline"] == "2026-11-27"
    assert event.payload["by_center"] == item.supervise_by
    assert alert.params == {"number": alert.params["number"], "action": "supervise"}
    assert township == 0  # the village holds the open order, not the township
    # Signing does not end it: the tab keeps the case until its resolution.
    (order,) = order_ids(db, case_id)["lead/pending"]
    act(db, VILLAGE_OP, case_id, "sign", at, order_id=order)
    act(db, VILLAGE_OP, case_id, "start", at, order_id=order)
    with db.factory() as s:
        assert inbox_counts(s, VILLAGE_OP)[Tab.SUPERVISED] == 1
    act(db, VILLAGE_OP, case_id, "resolve", at, order_id=order, result="已协调双方")
    with db.factory() as s:
        assert inbox_counts(s, VILLAGE_OP)[Tab.SUPERVISED] == 0 == recount_inbox(s, VILLAGE_OP)["supervised"]


def test_supervision_comes_only_from_above_with_a_note_and_a_deadline_ahead(db: Db) -> None:
    own = new_case(db)
    with pytest.raises(RuleViolation, match="issued by a higher center"):
        act(db, OPERATOR, own.id, "supervise", note="督办")
    # The township may supervise its village through the order it dispatched there.
    case_id = _to_village(db)
    act(db, OPERATOR, case_id, "supervise", note="尽快签收")
    with pytest.raises(InvalidInput, match="payload.note: required"):
        act(db, COUNTY_OP, case_id, "supervise")
    with pytest.raises(InvalidInput, match="the deadline 2026-11-20 has passed"):
        act(db, COUNTY_OP, case_id, "supervise", note="督办", deadline="2026-11-20")
    with pytest.raises(InvalidInput, match="must be a date as YYYY-MM-DD"):
        act(db, PREFECTURE_OP, case_id, "supervise", note="督办", deadline="下周一")
    act(db, PREFECTURE_OP, case_id, "supervise", note="州级督办")
    with db.factory() as s:
        (item,) = inbox_page(s, VILLAGE_OP, Tab.SUPERVISED, now=T0).items
        assert item.supervise_note == "州级督办" and item.supervise_due_on is None  # the latest


def test_supervise_through_the_api(db: Db, tmp_path: Path) -> None:
    case_id = _to_village(db)
    # A deadline ahead of the real day (the API checks it against today in the center's zone).
    due = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)).isoformat()
    with api_for(db, tmp_path, {"county": COUNTY_OP, "village": VILLAGE_OP}) as (api, _bus):
        case = api.get(f"/api/cases/{case_id}", as_="county").json()
        assert "supervise" in case["allowed_actions"]
        r = api.post(f"/api/cases/{case_id}/actions", as_="county", json={
            "action": "supervise", "payload": {"note": "限期办理", "deadline": due},
            "expected_version": case["version"]})
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["supervise_note"] == "限期办理" and got["supervise_due_on"] == due
        assert got["timeline"][-1]["action"] == "supervise"
        village = api.get(f"/api/cases/{case_id}", as_="village").json()
        assert "supervise" not in village["allowed_actions"]
