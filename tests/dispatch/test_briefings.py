"""Briefings (日小结 / 周研判) against the KPI answer and a plain recomputation from the cases
and their trail, on SQLite and PostgreSQL; signing freezes a briefing; camera availability
from recorded status changes; the API's routes, scope and permissions."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from dashboard.i18n.table import TABLE
from dispatch.alerts import record_camera_status
from dispatch.briefings import Briefing, Kind, generate, period_of
from dispatch.briefings.model import Status
from dispatch.briefings.narrative import KIND_NAMES
from dispatch.briefings.store import (
    BriefingConflict,
    awaiting_signature,
    generate_and_save,
    get,
    list_briefings,
    sign,
)
from dispatch.desk.phone import mask_phone
from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.kpi import compute_kpis
from dispatch.models import Camera, Case, CaseEvent, Center
from dispatch.principal import Role
from dispatch.types import CaseKind, Channel
from tests.dispatch.apiclient import api_for
from tests.dispatch.factories import (
    COUNTY,
    OPERATOR,
    PREFECTURE,
    TOWNSHIP,
    VILLAGE,
    Db,
    act,
    new_case,
    principal,
)
from tests.dispatch.test_kpi import NOW, OPEN, TZ, _local_midnight, _overdue_at, oracle_figures
from tests.dispatch.test_kpi import demo_db as demo_db  # noqa: F401  (the shared fixture)

#: Figures of the headline that are the KPI answer's, by the same name.
KPI_NAMES = ("reported", "accepted", "closed", "closed_on_time", "overdue", "due_to_close",
             "closure_rate", "on_time_rate", "closure_of_reported", "rework_rate",
             "satisfaction_broad_rate", "satisfaction_strict_rate", "open")  # fmt: skip
DUTY = principal(TOWNSHIP, Role.DUTY_OFFICER, actor="township-duty")
COUNTY_DUTY = principal(COUNTY, Role.DUTY_OFFICER, actor="county-duty")


def _bounds(kind: str, day: date) -> tuple[datetime, datetime]:
    p = period_of(kind, day)
    return _local_midnight(p.start), _local_midnight(p.end)


def _mine(session: Session, scope: str) -> list[Case]:
    return [
        c for c in session.scalars(sa.select(Case))
        if c.owning_path == scope or c.owning_path.startswith(scope + "/")
    ]


def _recount(cases: list[Case], attr: str, p0: datetime, p1: datetime, now: datetime
             ) -> dict[str, dict[str, int]]:
    """Reported, accepted, closed and overdue by a case column, straight from the cases."""
    inside = lambda t: t is not None and p0 <= t < p1  # noqa: E731
    cut = min(now, p1)
    out: dict[str, Counter[str]] = {}
    for c in cases:
        row = out.setdefault(getattr(c, attr), Counter())
        row["reported"] += inside(c.reported_at)
        row["accepted"] += inside(c.accepted_at)
        row["closed"] += c.state == "closed" and inside(c.closed_at)
        row["overdue"] += _overdue_at(c, cut)
    return {k: {f: v[f] for f in ("reported", "accepted", "closed", "overdue")}
            for k, v in out.items()}


def check_briefing(session: Session, b: Briefing, now: datetime) -> None:
    """Every figure of ``b`` against ``compute_kpis`` and against the cases and events."""
    scope = b.center.path
    p0, p1 = _bounds(b.kind, date.fromisoformat(b.period_start))
    kpis = compute_kpis(session, scope, p0, p1, now=now)
    cases = _mine(session, scope)
    plain = oracle_figures(cases, p0, p1, now)
    for name in KPI_NAMES:
        assert b.headline[name] == kpis[name] == plain[name], name
    assert b.headline["high_risk_open"] == kpis["open_by_risk"]["high"]

    flow = b.section("flow")
    by_center = flow.table("by_center")
    assert [r["code"] for r in by_center.records()] == [c["code"] for c in kpis["children"]]
    for row, child in zip(by_center.records(), kpis["children"], strict=True):
        for name in ("reported", "accepted", "closed", "closed_on_time", "overdue",
                     "closure_rate", "on_time_rate", "rework_rate", "satisfaction_broad_rate"):
            assert row[name] == child[name], (child["code"], name)
    assert by_center.total is not None and by_center.total[2:7] == tuple(
        kpis[k] for k in ("reported", "accepted", "closed", "closed_on_time", "overdue")
    )
    for key, attr, values in (("by_kind", "kind", list(CaseKind)),
                              ("by_channel", "channel", list(Channel))):
        table = flow.table(key)
        want = _recount(cases, attr, p0, p1, now)
        got = {r[attr]: {f: r[f] for f in ("reported", "accepted", "closed", "overdue")}
               for r in table.records()}
        assert set(got) >= {v.value for v in values}
        for value, counts in got.items():
            assert counts == want.get(value, dict.fromkeys(counts, 0)), (key, value)
        assert table.total is not None and list(table.total[1:]) == [
            kpis["reported"], kpis["accepted"], kpis["closed"], kpis["overdue"]
        ]

    inside = lambda t: p0 <= t < p1  # noqa: E731
    high = sorted((c for c in cases if c.risk == "high" and inside(c.reported_at)),
                  key=lambda c: (c.reported_at, c.id), reverse=True)
    table = b.section("risk").table("new_high_risk")
    assert [r["number"] for r in table.records()] == [c.number for c in high]
    assert [r["leader"] for r in table.records()] == [c.leader or "" for c in high]
    assert [r["plan_status"] for r in table.records()] == [
        "set" if c.plan else "missing" for c in high
    ]
    assert b.headline["new_high_risk"] == len(high)
    graded = sorted((c for c in cases if c.state in OPEN and c.risk in ("high", "medium")),
                    key=lambda c: (c.risk != "high", c.reported_at, c.id))[:200]
    reg = b.section("risk").table("register").records()
    assert [(r["number"], r["risk"], r["leader"]) for r in reg] == [
        (c.number, c.risk, c.leader or "") for c in graded
    ]
    # No briefing signed before: the changes count from the period's start.
    assert b.extra["baseline"]["source"] == "previous_period"
    assert b.extra["baseline"]["at"] == p0.astimezone(UTC).isoformat()
    assert [r["change"] for r in reg] == ["new" if c.reported_at >= p0 else "carried"
                                          for c in graded]
    assert [r["days_open"] for r in reg] == [(now - c.reported_at).days for c in graded]

    ids = {c.id for c in cases}
    events = Counter(
        e.action for e in session.scalars(sa.select(CaseEvent))
        if e.case_id in ids and inside(e.at)
    )
    sup = {r["action"]: r["count"] for r in b.section("supervision").table("supervision").records()}
    assert sup == {a: events.get(a, 0) for a in sup}
    assert (b.headline["escalations"], b.headline["supervisions"], b.headline["urges"],
            b.headline["notices"]) == (
        events["escalate"], events["supervise"], events["urge"], events["notify"]
    )
    esc = b.section("supervision").table("escalations")
    assert len(esc.rows) == min(50, events["escalate"])
    assert json.loads(json.dumps(b.to_dict())) == b.to_dict()
    assert Briefing.from_dict(json.loads(json.dumps(b.to_dict()))) == b


def _busiest(session: Session, level: int) -> str:
    return session.execute(
        sa.select(Center.path)
        .join(Case, Case.owning_path.like(Center.path + "%"))
        .where(Center.level == level)
        .group_by(Center.path)
        .order_by(sa.func.count().desc(), Center.path)
        .limit(1)
    ).scalar_one()


def test_daily_summary_equals_the_kpis_and_the_cases(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    with factory() as session:
        county = _busiest(session, 2)
        township = _busiest(session, 3)
        for scope, day in ((PREFECTURE, date(2026, 11, 23)), (county, date(2026, 11, 20)),
                           (township, date(2026, 10, 9)), (PREFECTURE, date(2026, 11, 24))):
            b = generate(session, scope, "daily", day, now=NOW)
            assert b.kind == Kind.DAILY and b.period_start == day.isoformat()
            check_briefing(session, b, NOW)
        assert "今日全州共受理事项" in generate(session, PREFECTURE, "daily", date(2026, 11, 23),
                                                 now=NOW).narrative["zh-CN"]


def test_weekly_assessment_equals_the_kpis_and_the_cases(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    with factory() as session:
        county = _busiest(session, 2)
        for scope in (PREFECTURE, county):
            b = generate(session, scope, "weekly", date(2026, 11, 19), now=NOW)
            assert (b.period_start, b.period_end) == ("2026-11-16", "2026-11-23")
            check_briefing(session, b, NOW)
            _check_assessment(session, b)
        monthly = generate(session, PREFECTURE, "monthly", date(2026, 10, 5), now=NOW)
        assert (monthly.period_start, monthly.period_end) == ("2026-10-01", "2026-11-01")
        check_briefing(session, monthly, NOW)
        _check_assessment(session, monthly)


def _check_assessment(session: Session, b: Briefing) -> None:
    scope = b.center.path
    period = period_of(b.kind, date.fromisoformat(b.period_start))
    p0, p1 = _local_midnight(period.start), _local_midnight(period.end)
    before, ago = period.previous(), period.year_ago()
    prev = compute_kpis(session, scope, _local_midnight(before.start),
                        _local_midnight(before.end), now=NOW)
    year = compute_kpis(session, scope, _local_midnight(ago.start), _local_midnight(ago.end),
                        now=NOW)
    cases = _mine(session, scope)
    plain_prev = oracle_figures(cases, _local_midnight(before.start), _local_midnight(before.end),
                                NOW)
    for row in b.section("compare").table("compare_counts").records():
        name = row["figure"]
        assert row["this"] == b.headline[name]
        assert row["previous"] == prev[name] == plain_prev[name]
        assert row["year_ago"] == year[name]
        assert row["change"] == row["this"] - row["previous"]
    for row in b.section("compare").table("compare_rates").records():
        name = row["figure"]
        assert (row["this"], row["previous"], row["year_ago"]) == (
            b.headline[name], prev[name], year[name]
        )
        assert f"{row['this'] * 100:.2f}%" in b.narrative["zh-CN"] or name not in (
            "on_time_rate", "closure_rate", "rework_rate", "satisfaction_broad_rate"
        ) or row["this"] is None

    inside = lambda c, a, z: a <= c.reported_at < z  # noqa: E731
    b0, b1 = _local_midnight(before.start), _local_midnight(before.end)
    kinds = {r["kind"]: (r["this"], r["previous"]) for r in
             b.section("rising").table("rising_kinds").records()}
    for kind in CaseKind:
        assert kinds[kind.value] == (
            sum(1 for c in cases if c.kind == kind.value and inside(c, p0, p1)),
            sum(1 for c in cases if c.kind == kind.value and inside(c, b0, b1)),
        )
    by_grid_now = Counter(c.grid_id for c in cases if c.grid_id and inside(c, p0, p1))
    by_grid_then = Counter(c.grid_id for c in cases if c.grid_id and inside(c, b0, b1))
    rises = sorted((n - by_grid_then[g] for g, n in by_grid_now.items() if n > by_grid_then[g]),
                   reverse=True)[:10]
    assert [r["change"] for r in b.section("rising").table("rising_grids").records()] == rises

    addresses = Counter(c.address for c in cases if c.address and inside(c, p0, p1))
    want = sorted(((a, n) for a, n in addresses.items() if n >= 2), key=lambda x: (-x[1], x[0]))
    got = [(r["address"], r["count"]) for r in b.section("rising").table("repeat_addresses").records()]
    assert got == want[:20]
    phones = Counter(c.reporter_phone for c in cases if c.reporter_phone and inside(c, p0, p1))
    want_p = sorted(((p, n) for p, n in phones.items() if n >= 2), key=lambda x: (-x[1], x[0]))
    got_p = [(r["phone"], r["count"]) for r in b.section("rising").table("repeat_reporters").records()]
    assert got_p == [(mask_phone(p), n) for p, n in want_p[:20]]
    assert all("*" in p for p, _ in got_p)

    ages = b.section("overdue").table("overdue_age")
    assert ages.total is not None and ages.total[1] == b.headline["overdue"]
    cut = min(NOW, p1)
    late = [c for c in cases if _overdue_at(c, cut)]
    assert sum(r["count"] for r in ages.records() if r["age"] in ("le1", "le3")) == sum(
        1 for c in late if (cut - c.due_at) <= timedelta(days=3)
    )
    leaders = Counter(c.leader for c in cases if c.state in OPEN and c.leader)
    assert {r["leader"]: r["open"] for r in b.section("risk").table("leaders").records()} == leaders
    moves = {r["risk"]: r for r in b.section("risk").table("risk_moves").records()}
    for grade in ("high", "medium", "low"):
        assert moves[grade]["reported"] == sum(
            1 for c in cases if c.risk == grade and inside(c, p0, p1))
        assert moves[grade]["open"] == sum(1 for c in cases if c.risk == grade and c.state in OPEN)


def _cameras(db: Db, n: int) -> list[str]:
    with db.begin() as s:
        village = s.scalar(sa.select(Center).where(Center.path == VILLAGE))
        assert village is not None
        ids = [f"brief-cam-{i}" for i in range(n)]
        s.add_all(Camera(id=i, name=f"测试{i}", center_id=village.id) for i in ids)
    return ids


def test_camera_availability_is_minutes_online_over_minutes_expected(db: Db) -> None:
    a, b, c = _cameras(db, 3)
    day = date(2026, 11, 10)
    t0 = datetime(2026, 11, 9, 23, 0, tzinfo=TZ).astimezone(UTC)  # the evening before
    with db.begin() as s:
        record_camera_status(s, a, "online", at=t0)
        record_camera_status(s, b, "online", at=t0)
        # b: offline 02:00–05:00 and tampered 20:00–20:30 local; c: first seen at noon.
        record_camera_status(s, b, "offline", at=datetime(2026, 11, 10, 2, tzinfo=TZ))
        record_camera_status(s, b, "degraded", at=datetime(2026, 11, 10, 5, tzinfo=TZ))
        record_camera_status(s, b, "tampered", at=datetime(2026, 11, 10, 20, tzinfo=TZ))
        record_camera_status(s, b, "online", at=datetime(2026, 11, 10, 20, 30, tzinfo=TZ))
        record_camera_status(s, c, "online", at=datetime(2026, 11, 10, 12, tzinfo=TZ))
    now = datetime(2026, 11, 12, tzinfo=UTC)
    with db.factory() as s:
        brief = generate(s, VILLAGE, "daily", day, now=now)
        cams = brief.section("cameras")
        worst = {r["camera"]: r for r in cams.table("camera_worst").records()}
        assert worst[a]["online_minutes"] == 1440 and worst[a]["availability"] == 1.0
        assert worst[b]["online_minutes"] == 1440 - 180 - 30 and worst[b]["faults"] == 2
        assert worst[b]["fault_minutes"] == 210
        assert worst[c]["online_minutes"] == 720 and worst[c]["availability"] == 0.5
        # Least available first: the example's camera never reported (0 minutes online).
        assert list(worst) == ["cam-jiangna-1", c, b, a]
        level = cams.table("camera_levels").records()
        # The example deployment's own camera never reported: all its minutes are unknown.
        (village,) = [r for r in level if r["level"] == "4"]
        assert village["cameras"] == 4 and village["expected_minutes"] == 4 * 1440
        assert village["online_minutes"] == 1440 + 1230 + 720
        assert village["unknown_minutes"] == 720 + 1440
        assert village["availability"] == pytest.approx((1440 + 1230 + 720) / (4 * 1440))
        assert brief.headline["camera_availability"] == village["availability"]
        assert "视频在线率" in brief.narrative["zh-CN"]
        week = generate(s, VILLAGE, "weekly", day, now=now)
        faults = week.section("cameras").table("camera_faults").records()
        assert [(f["camera"], f["status"], f["minutes"]) for f in faults] == [
            (b, "offline", 180), (b, "tampered", 30)
        ]
        # A day still running counts up to now.
        partial = generate(s, VILLAGE, "daily", day,
                           now=datetime(2026, 11, 10, 6, tzinfo=TZ))
        rows = {r["camera"]: r for r in partial.section("cameras").table("camera_worst").records()}
        assert rows[a]["online_minutes"] == 360 and rows[b]["online_minutes"] == 360 - 180


def test_a_signed_briefing_does_not_change_when_its_cases_do(db: Db) -> None:
    t = datetime(2026, 11, 10, 9, tzinfo=TZ)
    cases = [new_case(db, at=t, title=f"纠纷{i}") for i in range(3)]
    high = new_case(db, at=t, risk="high", kind="gathering", leader="李副镇长", plan="疏导劝离")
    act(db, OPERATOR, cases[0].id, "accept", t + timedelta(minutes=5))
    act(db, OPERATOR, high.id, "accept", t + timedelta(minutes=6))
    now = datetime(2026, 11, 11, 1, tzinfo=TZ)
    with db.begin() as s:
        draft = generate_and_save(s, TOWNSHIP, "daily", date(2026, 11, 10), now=now)
    assert draft.id is not None and draft.status == "draft"
    assert draft.headline["reported"] == 4 and draft.headline["accepted"] == 2
    assert draft.headline["new_high_risk"] == 1
    with db.factory() as s:  # what awaits a signature, and nothing signed yet
        assert [b["id"] for b in list_briefings(s, DUTY, TOWNSHIP, status=Status.DRAFT)] == [draft.id]
        assert list_briefings(s, DUTY, TOWNSHIP, status=Status.SIGNED) == []
        # 待签发 on the desk: the township's own signers, not its operator nor the county's.
        assert [b["id"] for b in awaiting_signature(s, DUTY)[1]] == [draft.id]
        assert awaiting_signature(s, DUTY)[0] == 1
        assert awaiting_signature(s, OPERATOR) == (0, [])
        assert awaiting_signature(s, COUNTY_DUTY) == (0, [])
    with db.begin() as s, pytest.raises(Forbidden):
        sign(s, OPERATOR, draft.id, "operators do not sign")
    with db.begin() as s, pytest.raises(InvalidInput):
        sign(s, DUTY, draft.id, "   ")
    with db.begin() as s, pytest.raises(NotFound):  # a county duty officer sees no draft below
        sign(s, COUNTY_DUTY, draft.id, "not mine")
    with db.begin() as s:
        signed = sign(s, DUTY, draft.id, "今日整体平稳，重点关注聚集隐患。",
                      version=draft.extra["version"], now=now + timedelta(hours=1))
    frozen = signed.to_dict()
    assert signed.status == "signed" and signed.signature is not None
    assert signed.signature.signer == "township-duty" and frozen["conclusion"].startswith("今日")
    with db.factory() as s:
        assert list_briefings(s, DUTY, TOWNSHIP, status=Status.DRAFT) == []
        assert awaiting_signature(s, DUTY) == (0, [])
        assert [b["id"] for b in list_briefings(s, DUTY, TOWNSHIP, status=Status.SIGNED)] == [draft.id]

    # The cases move on: accepted late, a report backdated into the day, the high-risk closed.
    act(db, OPERATOR, cases[1].id, "accept", now + timedelta(hours=2))
    act(db, OPERATOR, cases[2].id, "refuse", now + timedelta(hours=2), reason="重复")
    new_case(db, at=t + timedelta(hours=1), title="补录")
    with db.begin() as s, pytest.raises(BriefingConflict):
        generate_and_save(s, TOWNSHIP, "daily", date(2026, 11, 10), now=now + timedelta(hours=3))
    with db.begin() as s, pytest.raises(BriefingConflict):
        sign(s, DUTY, draft.id, "again")
    with db.factory() as s:
        fresh = generate(s, TOWNSHIP, "daily", date(2026, 11, 10), now=now + timedelta(hours=3))
        assert fresh.headline["reported"] == 5  # the figures today differ …
        kept = get(s, DUTY, draft.id)
        assert kept.to_dict() == frozen  # … the signed briefing does not
        assert kept.headline["reported"] == 4
        # The county sees its township's signed briefing; another county does not.
        assert [i["id"] for i in list_briefings(s, COUNTY_DUTY, COUNTY)] == [draft.id]
        other = principal("532600/532623", Role.LEADER, actor="xichou")
        assert list_briefings(s, other, "532600/532623") == []
        with pytest.raises(NotFound):
            get(s, other, draft.id)


def test_drafts_are_seen_by_their_own_center_and_regenerated(db: Db) -> None:
    new_case(db, at=datetime(2026, 11, 10, 9, tzinfo=TZ))
    now = datetime(2026, 11, 11, 1, tzinfo=TZ)
    with db.begin() as s:
        first = generate_and_save(s, TOWNSHIP, "daily", date(2026, 11, 10), now=now)
    new_case(db, at=datetime(2026, 11, 10, 10, tzinfo=TZ))
    with db.begin() as s:
        second = generate_and_save(s, TOWNSHIP, "daily", date(2026, 11, 10), now=now)
        assert second.id == first.id and second.headline["reported"] == 2
        with pytest.raises(BriefingConflict):  # the officer read version 1: not signed unseen
            sign(s, DUTY, first.id, "ok", version=first.extra["version"])
    with db.factory() as s:
        assert [b["id"] for b in list_briefings(s, DUTY, TOWNSHIP)] == [first.id]
        assert list_briefings(s, COUNTY_DUTY, COUNTY) == []  # drafts stay at their center


def test_the_narrative_names_kinds_as_the_interface_does() -> None:
    for kind, (zh, en) in KIND_NAMES.items():
        assert TABLE[f"kind.{kind}"] == (zh, en)
    assert set(KIND_NAMES) == {k.value for k in CaseKind}


def test_translation_keys_of_every_label_exist(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    with factory() as session:
        for kind in ("daily", "weekly"):
            b = generate(session, PREFECTURE, kind, date(2026, 11, 16), now=NOW)
            for section in b.sections:
                assert section.title in TABLE, section.title
                for chart in section.charts:
                    assert chart.title in TABLE, chart.title
                for table in section.tables:
                    assert table.title in TABLE, table.title
                    for col in table.columns:
                        assert col.label in TABLE, col.label
                        if col.kind.startswith("enum:"):
                            group = col.kind[5:]
                            for value in {str(v) for v in table.column(col.key)}:
                                assert f"{group}.{value}" in TABLE, (group, value)


def test_briefings_through_the_api(db: Db, tmp_path: Path) -> None:
    new_case(db, at=datetime(2026, 11, 10, 9, tzinfo=TZ))
    people = {"duty": DUTY, "county": COUNTY_DUTY, "op": OPERATOR}
    with api_for(db, tmp_path, people, anonymous=None) as (api, _):
        r = api.post("/api/briefings", as_="duty",
                     json={"kind": "daily", "period_start": "2026-11-10"})
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["status"] == "draft" and doc["center"]["code"] == "532622101"
        assert doc["headline"]["reported"] == 1
        for body, field in (({"kind": "hourly"}, "kind"), ({}, "kind"),
                            ({"kind": "daily", "period_start": "2026-13-01"}, "period_start"),
                            ({"kind": "daily", "period_start": "1999-12-31"}, "period_start"),
                            ({"kind": "daily", "scope": "x"}, "scope"),
                            ({"kind": "daily", "by": "me"}, "by")):
            bad = api.post("/api/briefings", as_="duty", json=body)
            assert bad.status_code == 422 and bad.json()["field"] == field, (body, bad.text)
        assert api.post("/api/briefings", as_="duty",
                        json={"kind": "daily", "scope": "532623"}).status_code == 404
        one = api.get(f"/api/briefings/{doc['id']}", as_="duty").json()
        assert one == doc
        assert api.get(f"/api/briefings/{doc['id']}", as_="county").status_code == 404
        assert api.post(f"/api/briefings/{doc['id']}/sign", as_="op",
                        json={"conclusion": "x"}).status_code == 403
        assert api.post(f"/api/briefings/{doc['id']}/sign", as_="duty",
                        json={}).json()["field"] == "conclusion"
        r = api.post(f"/api/briefings/{doc['id']}/sign", as_="duty",
                     json={"conclusion": "平稳", "version": doc["extra"]["version"]})
        assert r.status_code == 200 and r.json()["signature"]["signer"] == "township-duty"
        assert api.post(f"/api/briefings/{doc['id']}/sign", as_="duty",
                        json={"conclusion": "again"}).status_code == 409
        listed = api.get("/api/briefings?scope=532622&kind=daily&from=2026-11-01&to=2026-11-30",
                         as_="county").json()
        assert [i["id"] for i in listed["items"]] == [doc["id"]]
        assert listed["items"][0]["signed_by"] == "township-duty"
        assert api.get("/api/briefings?kind=weekly", as_="county").json()["items"] == []
        drafts = api.get("/api/briefings?status=draft", as_="county")
        assert drafts.status_code == 200, drafts.text
        assert drafts.json()["items"] == []
        signed = api.get("/api/briefings?status=signed", as_="county").json()["items"]
        assert [i["id"] for i in signed] == [doc["id"]]
        wrong = api.get("/api/briefings?status=approved", as_="county")
        assert wrong.status_code == 422 and "status" in wrong.text
        assert api.get("/api/briefings?from=2026-12-01&to=2026-11-01",
                       as_="county").status_code == 422
        assert api.get("/api/briefings?scope=532623", as_="county").status_code == 404
        assert api.get("/api/briefings/999999", as_="county").status_code == 404
