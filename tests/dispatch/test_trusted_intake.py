"""Trusted intake and grids on cases, on SQLite and PostgreSQL: channel grants, the key
(channel, external id) and its resends, the report's own time, cases located to grids and
十联户 units (answers, filters, KPIs), and the migration of older keys."""

from __future__ import annotations

import typing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from config.intake import ChannelName, IntakePolicy
from dashboard.desk import data as desk_data
from dispatch.channels import granted_channels, offered_channels, report_time
from dispatch.db import make_engine
from dispatch.errors import Forbidden, InvalidInput
from dispatch.intake import parse_intake
from dispatch.kpi import compute_kpis
from dispatch.kpi_grid import place_kpis
from dispatch.migrate import upgrade
from dispatch.models import Case, CaseEvent, Center, Grid, Unit
from dispatch.principal import Role
from dispatch.report import report_case
from dispatch.resend import ResendConflict
from dispatch.types import Channel
from tests.dispatch.apiclient import Api, api_for
from tests.dispatch.factories import (
    ADMIN,
    COUNTY,
    LEADER,
    OPERATOR,
    OTHER_COUNTY,
    SYSTEM,
    T0,
    TOWNSHIP,
    VILLAGE,
    Db,
    act,
    intake,
    principal,
)

GRID_WORKER = principal(VILLAGE, Role.GRID_WORKER, actor="cun-grid")
HOTLINE = replace(
    SYSTEM, actor="token:hotline", center_path=COUNTY,
    allowed_actions=frozenset({"report"}), allowed_sources=frozenset({"hotline_12345"}),
)  # fmt: skip
POLICE_PUSH = replace(HOTLINE, actor="token:police", allowed_sources=frozenset({"police_push"}))
NO_CHANNEL = replace(HOTLINE, actor="token:bare", allowed_sources=None)
GRID_A, UNIT_A = "532622101201001", "532622101201001-01"
GRID_B, UNIT_B = "532622101201002", "532622101201002-01"
XICHOU = principal(OTHER_COUNTY, Role.OPERATOR, actor="xichou-op")


def report(db: Db, who: Any, *, at: Any = T0, policy: IntakePolicy | None = None,
           **overrides: Any) -> tuple[Case, bool]:
    with db.begin() as s:
        case, created = report_case(s, who, parse_intake(intake(**overrides)), sla=db.sla, now=at,
                                    policy=policy)
        return case, created


def count(db: Db) -> int:
    with db.begin() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0)


# --- channel grants ----------------------------------------------------------------------


def test_the_intake_policy_names_exactly_the_channels_of_the_domain() -> None:
    assert set(typing.get_args(ChannelName)) == {c.value for c in Channel}


def test_each_role_reports_on_its_own_channels_and_tokens_on_their_named_ones() -> None:
    policy = IntakePolicy()
    assert granted_channels(GRID_WORKER, policy) == {"grid_worker", "citizen_snapshot"}
    assert offered_channels(OPERATOR, policy) == ["walk_in", "handed_down", "referral"]
    assert granted_channels(LEADER, policy) == {"walk_in", "handed_down", "referral"}
    assert "hotline_12345" not in granted_channels(ADMIN, policy)
    assert granted_channels(HOTLINE, policy) == {"hotline_12345"}
    assert granted_channels(NO_CHANNEL, policy) == frozenset()
    assert granted_channels(SYSTEM, policy) == {c.value for c in Channel}  # the product's own tasks
    # A deployment may change one role; the others keep their defaults.
    local = IntakePolicy(role_channels={"operator": ["walk_in"]})
    assert offered_channels(OPERATOR, local) == ["walk_in"]
    assert granted_channels(GRID_WORKER, local) == {"grid_worker", "citizen_snapshot"}


@pytest.mark.parametrize(
    ("who", "channel", "granted"),
    [
        (GRID_WORKER, "hotline_12345", "citizen_snapshot, grid_worker"),
        (GRID_WORKER, "walk_in", "citizen_snapshot, grid_worker"),
        (OPERATOR, "hotline_12345", "handed_down, referral, walk_in"),
        (OPERATOR, "police_push", "handed_down, referral, walk_in"),
        (HOTLINE, "police_push", "hotline_12345"),
        (POLICE_PUSH, "hotline_12345", "police_push"),
        (NO_CHANNEL, "hotline_12345", "none"),
    ],
)
def test_a_channel_not_granted_is_refused_naming_the_granted_ones(
    db: Db, who: Any, channel: str, granted: str
) -> None:
    with pytest.raises(Forbidden, match=f"channel '{channel}' is not granted") as caught:
        report(db, who, channel=channel, external_id="X-1", center="532622101201")
    assert f"(granted channels: {granted})" in str(caught.value)
    assert count(db) == 0


def test_a_grid_worker_cannot_take_over_a_hotline_order(db: Db) -> None:
    with pytest.raises(Forbidden):
        report(db, GRID_WORKER, channel="hotline_12345", external_id="GD-1", center="532622101201")
    mine, _ = report(db, GRID_WORKER, channel="grid_worker", external_id="GD-1",
                     center="532622101201", title="网格员发现")
    order, created = report(db, HOTLINE, channel="hotline_12345", external_id="GD-1",
                            center="532622101201", title="12345 工单")
    assert created and order.id != mine.id
    with db.begin() as s:
        got = s.get(Case, order.id)
        assert got is not None and (got.channel, got.source, got.title) == (
            "hotline_12345", "hotline_12345", "12345 工单")
        assert s.get(Case, mine.id).title == "网格员发现"  # type: ignore[union-attr]


def test_the_desk_files_only_on_its_channels(db: Db, tmp_path: Path) -> None:
    fields = {"title": "来访", "kind": "dispute", "sub_kind": "neighbour", "channel": "walk_in",
              "center": "532622101", "risk": "low"}
    with db.begin() as s:
        case = desk_data.intake(s, OPERATOR, fields, [], db.sla, tmp_path, IntakePolicy())
        assert case.channel == "walk_in"
    with pytest.raises(Forbidden), db.begin() as s:
        desk_data.intake(s, OPERATOR, {**fields, "channel": "hotline_12345"}, [], db.sla, tmp_path)


# --- the key and its resends --------------------------------------------------------------


def test_a_resend_returns_the_first_case_and_keys_live_in_their_channel(db: Db) -> None:
    body = {"channel": "hotline_12345", "external_id": "GD-7", "center": "532622101201",
            "grid": GRID_A, "lat": 23.61, "lon": 104.33, "reporter_phone": "13800000000",
            "reported_at": (T0 - timedelta(hours=1)).isoformat()}
    first, created = report(db, HOTLINE, **body)
    again, again_created = report(db, HOTLINE, at=T0 + timedelta(minutes=3), source="hotline_12345",
                                  **body)
    assert created and not again_created and again.id == first.id
    other, other_created = report(db, POLICE_PUSH, **{**body, "channel": "police_push"})
    assert other_created and other.id != first.id
    assert count(db) == 2


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": "另一件事"}, ["title"]),
        ({"description": "改了"}, ["description"]),
        ({"kind": "hazard"}, ["kind"]),
        ({"risk": "high", "leader": "王副县长", "plan": "一案一策"}, ["leader", "plan", "risk"]),
        ({"center": "532622101"}, ["center"]),
        ({"grid": None}, ["grid"]),
        ({"unit": UNIT_A}, ["unit"]),
        ({"reporter": "李某"}, ["reporter"]),
        ({"reporter_phone": "13900000000", "address": "江那路 1 号"}, ["address", "reporter_phone"]),
        ({"reported_at": (T0 - timedelta(hours=2)).isoformat()}, ["reported_at"]),
    ],
)
def test_a_resend_with_other_content_is_a_conflict_naming_the_fields(
    db: Db, changes: dict[str, Any], fields: list[str]
) -> None:
    body = {"channel": "hotline_12345", "external_id": "GD-8", "center": "532622101201",
            "grid": GRID_A, "reported_at": (T0 - timedelta(hours=1)).isoformat()}
    first, _ = report(db, HOTLINE, **body)
    with pytest.raises(ResendConflict) as caught:
        report(db, HOTLINE, **{**body, **changes})
    assert caught.value.fields == fields and caught.value.status == 409
    assert first.number is not None and first.number in str(caught.value)
    assert count(db) == 1


def test_a_resend_compares_with_the_report_not_with_later_changes(db: Db) -> None:
    first, _ = report(db, OPERATOR, external_id="W-9")
    act(db, OPERATOR, first.id, "accept", risk="high", leader="镇长", plan="专人跟进")
    again, created = report(db, OPERATOR, external_id="W-9")
    assert not created and again.id == first.id


def test_source_must_name_the_channel(db: Db) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_intake(intake(source="hotline-12345", external_id="A"))
    assert caught.value.field == "source"


# --- the report's own time ----------------------------------------------------------------


def test_reported_at_only_from_channels_with_their_own_clock(db: Db) -> None:
    before = (T0 - timedelta(hours=3)).isoformat()
    for who, channel in ((OPERATOR, "walk_in"), (GRID_WORKER, "grid_worker")):
        with pytest.raises(InvalidInput) as caught:
            report(db, who, channel=channel, center="532622101201", reported_at=before)
        assert caught.value.field == "reported_at" and "timed on arrival" in caught.value.reason
    case, _ = report(db, HOTLINE, channel="hotline_12345", center="532622101201", reported_at=before)
    with db.begin() as s:
        assert s.get(Case, case.id).reported_at == T0 - timedelta(hours=3)  # type: ignore[union-attr]
        payload = s.scalar(sa.select(CaseEvent.payload).where(CaseEvent.case_id == case.id))
        assert payload["received_at"] == T0.isoformat()


def test_reported_at_never_in_the_future_nor_older_than_the_tolerance_without_a_reason(db: Db) -> None:
    policy = IntakePolicy(backdate_hours=24, clock_skew_seconds=60)
    hotline = {"channel": "hotline_12345", "center": "532622101201"}
    for late, field in (
        (T0 + timedelta(minutes=5), "reported_at"),
        (T0 - timedelta(hours=25), "reported_at"),
        (T0.replace(year=2020, month=1, day=1), "reported_at"),
    ):
        with pytest.raises(InvalidInput) as caught:
            report(db, HOTLINE, policy=policy, reported_at=late.isoformat(), **hotline)
        assert caught.value.field == field
    ahead, _ = report(db, HOTLINE, policy=policy, reported_at=(T0 + timedelta(seconds=30)).isoformat(),
                      **hotline)
    old, _ = report(db, HOTLINE, policy=policy, reported_at=(T0 - timedelta(days=3)).isoformat(),
                    reported_at_reason="接口中断三天后补推", **hotline)
    with db.begin() as s:
        assert s.get(Case, ahead.id).reported_at == T0  # type: ignore[union-attr]  # clamped to now
        assert s.get(Case, old.id).reported_at == T0 - timedelta(days=3)  # type: ignore[union-attr]
        payload = s.scalar(sa.select(CaseEvent.payload).where(CaseEvent.case_id == old.id))
        assert payload["reported_at_reason"] == "接口中断三天后补推"
    with pytest.raises(InvalidInput) as caught:
        report_time(parse_intake(intake(reported_at_reason="无")), T0, policy)
    assert caught.value.field == "reported_at_reason"


# --- grids on cases -----------------------------------------------------------------------


@pytest.fixture
def grids(db: Db) -> Db:
    """A second grid and a unit of it in the example village."""
    with db.begin() as s:
        village = s.scalar(sa.select(Center).where(Center.path == VILLAGE))
        assert village is not None
        grid = Grid(code=GRID_B, name="江那社区第二网格", center_id=village.id, households=300)
        s.add(grid)
        s.flush()
        s.add(Unit(code=UNIT_B, grid_id=grid.id, households=15, head="李联户长"))
    return db


@pytest.fixture
def api(grids: Db, tmp_path: Path) -> Any:
    people = {"grid": GRID_WORKER, "xichou": XICHOU}
    with api_for(grids, tmp_path, people) as (client, _bus):
        yield client


def post(api: Api, as_: str | None = None, **overrides: Any) -> dict[str, Any]:
    r = api.post("/api/cases", as_=as_, json=intake(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def test_cases_carry_their_grid_and_unit_and_are_filtered_by_them(api: Api) -> None:
    a = post(api, center="532622101201", grid=GRID_A, title="一网格")
    b = post(api, as_="grid", channel="grid_worker", center="532622101201", unit=UNIT_B, title="二网格")
    post(api, title="不在网格")
    assert (a["grid"], a["unit"]) == (GRID_A, None)
    assert (b["grid"], b["unit"]) == (GRID_B, UNIT_B)  # the unit brings its grid
    assert api.get(f"/api/cases/{b['id']}").json()["unit"] == UNIT_B
    by_grid = api.get(f"/api/cases?grid={GRID_B}").json()
    assert [c["title"] for c in by_grid["items"]] == ["二网格"] and by_grid["total"] == 1
    assert api.get(f"/api/cases?unit={UNIT_B}").json()["total"] == 1
    assert api.get(f"/api/cases?grid={GRID_A}&unit={UNIT_B}").json()["field"] == "unit"
    listed = {c["title"]: (c["grid"], c["unit"]) for c in api.get("/api/cases").json()["items"]}
    assert listed == {"一网格": (GRID_A, None), "二网格": (GRID_B, UNIT_B), "不在网格": (None, None)}
    missing = api.get("/api/cases?grid=999")
    assert missing.status_code == 404 and "grid" in missing.json()["message"]
    outside = api.get(f"/api/cases?grid={GRID_A}", as_="xichou")  # another county's grid
    assert outside.status_code == 404


def test_unknown_query_parameters_are_refused_naming_them(api: Api) -> None:
    for url in ("/api/cases?foo=bar", "/api/cases?grid_code=1&foo=2", "/api/alerts?grid=1",
                "/api/kpis?cheap=1", "/api/centers/532622?x=1", "/api/cases/1?expand=all"):
        r = api.get(url)
        assert r.status_code == 422, url
        names = sorted(k for k in url.split("?")[1].replace("&", "=").split("=")[::2])
        assert r.json()["fields"] == names and r.json()["field"] == names[0], url
        assert all(n in r.json()["message"] for n in names)
    assert api.get("/api/cases?grid=&limit=5").status_code == 200


def test_kpis_of_a_grid_match_the_scope_figures_and_break_down_by_unit(api: Api, grids: Db) -> None:
    ids = [post(api, center="532622101201", grid=GRID_A)["id"] for _ in range(2)]
    ids.append(post(api, as_="grid", channel="grid_worker", center="532622101201", unit=UNIT_B)["id"])
    ids.append(post(api, center="532622101201", unit=UNIT_B, risk="high", leader="李", plan="疏导")["id"])
    now = datetime.now(UTC)  # the API reports at the server's clock
    act(grids, OPERATOR, ids[0], "refuse", at=now, reason="不属实")
    with grids.begin() as s:
        start, end = now - timedelta(days=10), now + timedelta(days=1)
        whole = compute_kpis(s, TOWNSHIP, start, end, now=now)
        by_grid = place_kpis(s, TOWNSHIP, start, end, by="grid", now=now)
        grid_b = s.scalar(sa.select(Grid).where(Grid.code == GRID_B))
        assert grid_b is not None
    for key in ("reported", "closed", "open", "overdue", "open_by_risk", "on_time_rate"):
        assert by_grid[key] == whole[key], key
    rows = {c["code"]: c for c in by_grid["children"]}
    assert set(rows) == {GRID_A, GRID_B}
    assert (rows[GRID_A]["reported"], rows[GRID_A]["open"]) == (2, 1)
    assert (rows[GRID_B]["reported"], rows[GRID_B]["open"], rows[GRID_B]["open_by_risk"]["high"]) == (
        2, 2, 1)
    one = api.get(f"/api/kpis?grid={GRID_B}").json()
    assert one["grid"] == {"code": GRID_B, "name": "江那社区第二网格"} and one["by"] == "unit"
    assert [(c["code"], c["reported"]) for c in one["children"]] == [(UNIT_B, 2)]
    unit = api.get(f"/api/kpis?unit={UNIT_B}").json()
    assert unit["unit"] == UNIT_B and unit["reported"] == 2
    assert api.get("/api/kpis?by=grid").json()["children"][0]["code"] == GRID_A
    assert api.get("/api/kpis?by=street").json()["field"] == "by"
    assert api.get(f"/api/kpis?grid={GRID_A}", as_="xichou").status_code == 404


# --- older keys ---------------------------------------------------------------------------


def test_migration_moves_older_keys_under_their_channel_where_free(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0012_clock_rules")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO centers (id, code, name, level, path) "
                "VALUES (1, '532622', '砚山县', 2, '532622')"
            ))
            rows = [(1, "hotline_12345", "12345-platform", "A"), (2, "hotline_12345", "old-feed", "A"),
                    (3, "police_push", "police_push", "B"), (4, "grid_worker", None, None)]
            for cid, channel, source, ext in rows:
                conn.execute(sa.text(
                    "INSERT INTO cases (id, title, description, kind, channel, source, external_id, "
                    "risk, state, center_id, owning_path, reported_center_id, reporter, reported_at, "
                    "paused_seconds, extended, extension_count, rework_count, redo_count, "
                    "return_count, escalation_count, supervision_stage, event_count, version, "
                    "search_text) VALUES (:id, 't', '', 'dispute', :ch, :src, :ext, 'low', "
                    "'reported', 1, '532622', 1, '', '2026-11-24 02:00:00', 0, false, 0, 0, 0, 0, "
                    "0, 0, 0, 1, '')"
                ), {"id": cid, "ch": channel, "src": source, "ext": ext})
        upgrade(engine)
        with engine.connect() as conn:
            got = conn.execute(sa.text("SELECT id, source FROM cases ORDER BY id")).all()
            indexes = {i["name"] for i in sa.inspect(engine).get_indexes("cases")}
    finally:
        engine.dispose()
    assert [tuple(r) for r in got] == [
        (1, "hotline_12345"), (2, "old-feed"), (3, "police_push"), (4, None)]
    assert "ix_cases_unit_id" in indexes
