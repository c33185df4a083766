"""The demo generator: the prefecture's shape, determinism (the same rows on both backends),
cases the workflow can reach, whose audit trail replays to their columns, and which the real
services can carry on."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from config.deployment import load_deployment
from dispatch.cases import perform, replay_case
from dispatch.db import make_engine, make_session_factory
from dispatch.demo import demo_deployment, generate_demo
from dispatch.demo.geography import COUNTIES
from dispatch.demo.toml import write_deployment
from dispatch.effects import snapshot
from dispatch.kpi import compute_kpis
from dispatch.models import (
    Case,
    CaseEscalation,
    CaseEvent,
    Center,
    Department,
    DispatchOrder,
    Grid,
    Person,
    Unit,
)
from dispatch.principal import Principal, Role
from dispatch.registry import import_deployment
from dispatch.rollup import install_rollups, kpi_daily, rebuild_rollups
from dispatch.sla import Sla
from dispatch.types import OPEN_STATES, CaseState

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SMALL = {"grids": 1100, "now": NOW}
OPEN = {s.value for s in OPEN_STATES}


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield install_rollups(make_session_factory(engine))
    engine.dispose()


def test_the_prefecture_is_shaped_like_wenshan() -> None:
    dep = demo_deployment(1)
    levels = Counter(c.level for c in dep.centers)
    assert [levels[lvl] for lvl in (1, 2, 3, 4)] == [1, 8, 104, 1016]
    assert [(c.code, c.name) for c in dep.centers if c.level == 2] == [
        (code, f"{name}综治中心") for code, name, *_ in COUNTIES
    ]
    assert all(len(c.code) == {1: 6, 2: 6, 3: 9, 4: 12}[c.level] for c in dep.centers)
    assert all(23.0 <= (c.lat or 0) <= 24.5 and 103.5 <= (c.lon or 0) <= 106 for c in dep.centers)
    # Uneven like real counties: townships per county and villages per township differ.
    by_parent = Counter(c.parent for c in dep.centers if c.level == 4)
    assert min(by_parent.values()) >= 3 and max(by_parent.values()) >= 3 * min(by_parent.values())
    # Villages cluster near their township.
    pos = {c.code: (c.lat, c.lon) for c in dep.centers}
    assert all(
        math.dist(pos[c.code], pos[c.parent]) < 0.15
        for c in dep.centers
        if c.level == 4 and c.parent
    )
    assert len(dep.grids) == 42_700 and len(dep.units) == 42_700
    assert 1.7 < sum(g.grid_workers for g in dep.grids) / len(dep.grids) < 1.9
    assert all(10 <= u.households <= 50 for u in dep.units)
    modes = Counter((d.center[:6], d.mode.value) for d in dep.departments if len(d.center) == 6)
    for code, *_ in COUNTIES:
        assert modes[(code, "resident")] == 4 and modes[(code, "rotating")] == 9
    names = {d.name for d in dep.departments}
    assert {"砚山县公安局", "砚山县信访局", "砚山县人民法院", "砚山县自然资源局"} <= names
    assert demo_deployment(1) == dep and demo_deployment(2).centers != dep.centers


def test_the_deployment_round_trips_through_toml(tmp_path: Path) -> None:
    dep = demo_deployment(3, grids=1100)
    assert load_deployment(write_deployment(dep, tmp_path / "wenshan.toml")) == dep


def _digest(factory: sessionmaker[Session]) -> str:
    """A hash of every generated row, independent of the backend's storage."""
    h = hashlib.sha256()
    with factory() as s:
        for model in (Center, Grid, Unit, Department, Person, Case, DispatchOrder, CaseEvent):
            cols = [c for c in model.__table__.columns]
            for row in s.execute(sa.select(*cols).order_by(model.__table__.c.id)):
                h.update(
                    json.dumps([_norm(v) for v in row], sort_keys=True, ensure_ascii=False).encode()
                )
    return h.hexdigest()


def _norm(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, float):
        return round(v, 6)
    return v


def test_generation_is_deterministic_across_backends(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    summary = generate_demo(factory, seed=5, cases=1500, **SMALL)
    assert summary.cases == 1500 and summary.events > 10 * 1400
    engine = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        again = install_rollups(make_session_factory(engine))
        generate_demo(again, seed=5, cases=1500, **SMALL)
        assert _digest(again) == _digest(factory)
    finally:
        engine.dispose()
    with pytest.raises(ValueError, match="empty database"):
        generate_demo(factory, seed=5, cases=10, **SMALL)


def test_cases_are_reachable_replayable_and_believable(factory: sessionmaker[Session]) -> None:
    summary = generate_demo(factory, seed=2, cases=4000, **SMALL)
    with factory() as s:
        cases = list(s.scalars(sa.select(Case).order_by(Case.id)))
        for case in cases:
            assert replay_case(s, case.id) == snapshot(case), case.id
            _check_times(case)
        orders = Counter((o.role, o.state) for o in s.scalars(sa.select(DispatchOrder)))
        kpis = compute_kpis(s, "532600", NOW - timedelta(days=366), NOW, now=NOW)
    states = Counter(c.state for c in cases)
    assert 0.985 <= states["closed"] / len(cases) <= 0.995
    assert 0.96 <= kpis["satisfaction_rate"] <= 0.985
    assert kpis["level_share"]["village"] + kpis["level_share"]["township"] > 0.85
    assert kpis["level_share"]["prefecture"] < 0.02 < kpis["level_share"]["county"] < 0.15
    assert 0.9 < kpis["on_time_rate"] < 0.99 and kpis["rework_rate"] and kpis["extension_rate"]
    assert summary.open_overdue > 0 and states["refused"] and states["merged"]
    channels = Counter(c.channel for c in cases).most_common()
    assert channels[0][0] == "grid_worker" and len(channels) == 8
    risks = Counter(c.risk for c in cases)
    assert risks["low"] > 0.8 * len(cases) and risks["high"] > 0
    assert all(c.leader and c.plan for c in cases if c.risk == "high")
    assert orders[("lead", "done")] > 0.95 * states["closed"] and orders[("lead", "returned")] > 0
    # A seasonal and weekly pattern: more reports on weekdays than at weekends.
    weekday = Counter(c.reported_at.astimezone(TZ).weekday() for c in cases)
    assert min(weekday[d] for d in range(5)) > max(weekday[5], weekday[6])
    # Every 上报 line has the row the service writes beside it (已上报), from its center.
    with factory() as s:
        codes = dict(s.execute(sa.select(Center.code, Center.id)).all())
        lines = sorted((e.case_id, codes[e.payload["from_center"]], e.at) for e in s.scalars(
            sa.select(CaseEvent).where(CaseEvent.action == "escalate")))
        rows = sorted(s.execute(sa.select(CaseEscalation.case_id, CaseEscalation.from_center_id,
                                          CaseEscalation.at)).all())
    assert len(lines) > 20 and [tuple(r) for r in rows] == lines


def _check_times(c: Case) -> None:
    """Timestamps say the same as the state."""
    assert c.state in {s.value for s in CaseState}
    if c.accepted_at:
        assert c.reported_at <= c.accepted_at
    if c.state == "closed":
        assert c.closed_at and c.resolved_at and c.accepted_at
        assert c.reported_at <= c.resolved_at <= c.closed_at <= NOW
        assert c.satisfaction in ("satisfied", "basically_satisfied") and c.handled_level
    else:
        assert c.closed_at is None
    if c.state in ("resolved", "verified", "visited"):
        assert c.resolved_at is not None
    if c.state in OPEN - {"reported"}:
        assert c.accepted_at is not None
    if c.state == "suspended":
        assert c.suspended_at is not None and c.suspended_from == "handling"
    if c.state == "merged":
        assert c.merged_into_id and c.merged_into_id < c.id
    assert c.event_count >= 1


def test_the_registry_matches_the_deployment_and_services_carry_cases_on(
    factory: sessionmaker[Session],
) -> None:
    generate_demo(factory, seed=4, cases=3000, **SMALL)
    dep = demo_deployment(4, grids=1100)
    with factory.begin() as s:
        assert not import_deployment(s, dep).changed
    sla = Sla.build(dep.sla, dep.holidays)
    with factory.begin() as s:
        case = s.scalars(sa.select(Case).where(Case.state == "handling").order_by(Case.id)).first()
        assert case is not None, "the demo has cases in handling"
        order = s.scalars(
            sa.select(DispatchOrder).where(
                DispatchOrder.case_id == case.id,
                DispatchOrder.role == "lead",
                DispatchOrder.state == "signed",
            )
        ).one()
        owner = case.owning_path
        if order.department_id is not None:
            dept = s.get(Department, order.department_id)
            assert dept is not None
            center = s.get(Center, dept.center_id)
            assert center is not None
            worker = Principal(
                "liaison", center.path, frozenset({Role.LIAISON}), department=dept.code
            )
        else:
            center = s.get(Center, order.center_id)
            assert center is not None
            worker = Principal("target-desk", center.path, frozenset({Role.OPERATOR}))
        desk = Principal("desk", owner, frozenset({Role.OPERATOR}))
        at = NOW + timedelta(minutes=5)
        perform(
            s,
            worker,
            case.id,
            "resolve",
            {"order_id": order.id, "result": "已化解"},
            sla=sla,
            now=at,
        )
        for action, payload in (
            ("verify", {}),
            ("visit", {"satisfaction": "satisfied"}),
            ("close", {}),
        ):
            at += timedelta(minutes=5)
            perform(s, desk, case.id, action, payload, sla=sla, now=at)
        assert case.state == "closed"
        assert replay_case(s, case.id) == snapshot(case)
    with factory.begin() as s:
        rows = {tuple(r[:3]): tuple(r[3:]) for r in s.execute(sa.select(kpi_daily))}
        rebuild_rollups(s)
        again = {tuple(r[:3]): tuple(r[3:]) for r in s.execute(sa.select(kpi_daily))}
    assert {k: v for k, v in rows.items() if any(v)} == {k: v for k, v in again.items() if any(v)}


def _indexes(conn: sa.Connection) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename IN ('cases', 'dispatch_orders', 'case_events') ORDER BY indexname"
    )]


def _empty(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def test_postgres_bulk_load_builds_every_index_again(postgres_url: str) -> None:
    """On PostgreSQL the generator drops the case tables' secondary indexes for the load and
    builds them after: the database ends with exactly the migration's indexes, and a load that
    fails half-way leaves them built too."""
    from dispatch.demo.writer import indexes_built_after
    from dispatch.migrate import upgrade

    _empty(postgres_url)
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            migrated = _indexes(conn)
        assert len(migrated) > 15 and any("gin_trgm_ops" in d for _, d in migrated)
        with pytest.raises(RuntimeError, match="half-way"):
            with indexes_built_after(engine, ("cases", "dispatch_orders")) as dropped:
                with engine.connect() as conn:
                    assert len(_indexes(conn)) == len(migrated) - len(dropped)
                assert "ix_cases_search_text_trgm" in " ".join(dropped)
                assert not any("pk_cases" in d or "uq_cases_number" in d for d in dropped)
                raise RuntimeError("load failed half-way")
        with engine.connect() as conn:
            assert _indexes(conn) == migrated
        _empty(postgres_url)
        generate_demo(install_rollups(make_session_factory(engine)), seed=3, cases=300, **SMALL)
        with engine.connect() as conn:
            assert _indexes(conn) == migrated
            assert conn.exec_driver_sql("SELECT count(*) FROM cases").scalar() == 300
    finally:
        engine.dispose()
