"""KPIs against a plain Python recomputation over the raw cases, on both backends.

The oracle below reads every case and applies the definitions of ``docs/kpi.md`` directly
(local dates through ``zoneinfo``, exact p90 by nearest rank); the KPI answer must match it
exactly, except p90, which must lie in the same histogram bucket as the exact value.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from dispatch.db import make_engine, make_session_factory
from dispatch.demo import generate_demo
from dispatch.kpi import center_counts, compute_kpis, wall_figures
from dispatch.kpi_figures import bucket_bounds
from dispatch.models import Case, Center
from dispatch.rollup import install_rollups, kpi_daily, rebuild_rollups

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
OPEN = {"reported", "accepted", "dispatched", "signed", "handling", "resolved", "verified",
        "visited", "suspended"}  # fmt: skip
SATISFIED = {"satisfied", "basically_satisfied"}
EXACT = ("reported", "accepted", "closed", "closed_on_time", "due_to_close", "closure_rate",
         "on_time_rate", "closure_of_reported", "reworked", "rework_rate", "extended",
         "extension_rate", "visits", "satisfied_visits", "satisfaction_rate", "mean_hours",
         "closed_by_level", "level_share", "open", "open_by_risk", "suspended", "overdue",
         "reworks", "resolutions", "extended_late", "late_extension_rate",
         "satisfied_strict_visits", "satisfaction_strict_rate", "satisfaction_broad_rate",
         "orders", "returns", "returns_rejected", "return_rate", "return_rejection_rate",
         )  # fmt: skip
CHECKED = {"resolved", "verified", "visited"}


def _on_time(c: Any) -> bool:
    """On time: the resolution accepted at 核查 was made by the deadline."""
    return (c.resolved_at or c.closed_at) <= c.due_at


def _overdue_at(c: Any, cut: datetime) -> bool:
    """Whether the case was overdue at ``cut`` (a past moment or now), from its columns."""
    if c.due_at is None or c.due_at >= cut or c.reported_at >= cut:
        return False
    if c.state == "closed":
        return c.closed_at >= cut and not _on_time(c)
    if c.state == "suspended":
        return c.suspended_at is not None and c.suspended_at >= cut
    if c.state in CHECKED:
        return not (c.resolved_at is not None and c.resolved_at <= c.due_at)
    return c.state in OPEN


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), TZ).astimezone(UTC)


def _period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    first = start.astimezone(TZ).date()
    local_end = end.astimezone(TZ)
    last = local_end.date()
    if local_end.time() != time(0):
        last += timedelta(days=1)
    return _local_midnight(first), _local_midnight(max(last, first + timedelta(days=1)))


def _rate(a: int, b: int) -> float | None:
    return a / b if b else None


def oracle_figures(cases: list[Any], p0: datetime, p1: datetime, now: datetime) -> dict[str, Any]:
    inside = lambda t: t is not None and p0 <= t < p1  # noqa: E731
    closed = [c for c in cases if c.state == "closed" and inside(c.closed_at)]
    cut = min(now, p1)
    open_ = [c for c in cases if c.state in OPEN]
    overdue = sum(1 for c in cases if _overdue_at(c, cut))
    seconds = [
        max(0, (c.closed_at - c.reported_at) // timedelta(seconds=1) - c.paused_seconds)
        for c in closed
    ]
    levels = {
        name: sum(1 for c in closed if c.handled_level == lvl)
        for name, lvl in (("village", 4), ("township", 3), ("county", 2), ("prefecture", 1))
    }
    reported = [c for c in cases if inside(c.reported_at)]
    visits = sum(1 + c.redo_count for c in closed)
    on_time = sum(1 for c in closed if _on_time(c))
    reworks = sum(c.rework_count for c in closed)
    resolutions = sum(1 + c.rework_count + c.redo_count for c in closed)
    strict = sum(1 for c in closed if c.satisfaction == "satisfied")
    broad = sum(1 for c in closed if c.satisfaction in SATISFIED)
    late_ext = sum(1 for c in closed if c.late_extension_count)
    # 退单率 from the orders and the trail themselves, not from the case's counters.
    orders = sum(len(c.orders) for c in closed)
    returns = sum(1 for c in closed for o in c.orders if o.state == "returned")
    rejected = sum(1 for c in closed for e in c.events if e.action == "reject_return")
    out = {
        "reported": len(reported),
        "accepted": sum(1 for c in cases if inside(c.accepted_at)),
        "closed": len(closed),
        "closed_on_time": on_time,
        "due_to_close": len(closed) + overdue,
        "closure_rate": _rate(len(closed), len(closed) + overdue),
        "on_time_rate": _rate(on_time, len(closed) + overdue),
        "closure_of_reported": _rate(
            sum(1 for c in reported if c.state == "closed"), len(reported)
        ),
        "reworked": sum(1 for c in closed if c.rework_count),
        "reworks": reworks,
        "resolutions": resolutions,
        "rework_rate": _rate(reworks, resolutions),
        "extended_late": late_ext,
        "orders": orders,
        "returns": returns,
        "returns_rejected": rejected,
        "return_rate": _rate(returns, orders),
        "return_rejection_rate": _rate(rejected, returns + rejected),
        "late_extension_rate": _rate(late_ext, len(closed)),
        "satisfied_strict_visits": strict,
        "satisfaction_strict_rate": _rate(strict, visits),
        "satisfaction_broad_rate": _rate(broad, visits),
        "extended": sum(1 for c in closed if c.extension_count),
        "extension_rate": _rate(sum(1 for c in closed if c.extension_count), len(closed)),
        "visits": visits,
        "satisfied_visits": sum(1 for c in closed if c.satisfaction in SATISFIED),
        "satisfaction_rate": _rate(sum(1 for c in closed if c.satisfaction in SATISFIED), visits),
        "mean_hours": sum(seconds) / len(closed) / 3600 if closed else None,
        "closed_by_level": levels,
        "level_share": {k: _rate(v, len(closed)) for k, v in levels.items()},
        "open": len(open_),
        "open_by_risk": {
            r: sum(1 for c in open_ if c.risk == r) for r in ("high", "medium", "low")
        },
        "suspended": sum(1 for c in open_ if c.state == "suspended"),
        "overdue": overdue,
    }
    hours = sorted(s / 3600 for s in seconds)
    out["p90_exact"] = hours[math.ceil(0.9 * len(hours)) - 1] if hours else None
    return out


def oracle(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> dict[str, Any]:
    p0, p1 = _period(start, end)
    cases = list(session.execute(sa.select(Case)).scalars())
    mine = [c for c in cases if c.owning_path == scope or c.owning_path.startswith(scope + "/")]
    depth = scope.count("/") + 1
    by_child: dict[str, list[Any]] = {}
    for c in mine:
        codes = c.owning_path.split("/")
        by_child.setdefault(codes[depth] if len(codes) > depth else "", []).append(c)
    days: dict[str, tuple[int, int]] = {}
    d = p0.astimezone(TZ).date()
    while _local_midnight(d) < p1:
        day0, day1 = _local_midnight(d), _local_midnight(d + timedelta(days=1))
        days[d.isoformat()] = (
            sum(1 for c in mine if day0 <= c.reported_at < day1),
            sum(
                1
                for c in mine
                if c.state == "closed" and c.closed_at and day0 <= c.closed_at < day1
            ),
        )
        d += timedelta(days=1)
    return {
        "total": oracle_figures(mine, p0, p1, now),
        "children": {k: oracle_figures(v, p0, p1, now) for k, v in by_child.items()},
        "trend": days,
        "from": p0,
        "to": p1,
    }


def assert_matches(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key in EXACT:
        assert got[key] == want[key], (key, got[key], want[key])
    if want["p90_exact"] is None:
        assert got["p90_hours"] is None
    else:
        low, high = bucket_bounds(want["p90_exact"])
        assert low <= got["p90_hours"] <= high, (got["p90_hours"], want["p90_exact"])


def check_scope(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> dict[str, Any]:
    got = compute_kpis(session, scope, start, end, now=now)
    want = oracle(session, scope, start, end, now)
    assert datetime.fromisoformat(got["from"]) == want["from"]
    assert datetime.fromisoformat(got["to"]) == want["to"]
    assert_matches(got, want["total"])
    own_code = scope.rsplit("/", 1)[-1]
    for child in got["children"]:
        key = "" if child["own"] else child["code"]
        expected = want["children"].get(key)
        if expected is None:  # a child without any case
            assert child["reported"] == child["closed"] == child["open"] == 0
            continue
        assert_matches(child, expected)
    listed = {"" if c["own"] else c["code"] for c in got["children"]}
    for key in set(want["children"]) - listed:  # listed unless it has nothing in the period
        quiet = want["children"][key]
        assert quiet["reported"] == quiet["accepted"] == quiet["closed"] == quiet["open"] == 0, key
    assert all(c["code"] != own_code or c["own"] for c in got["children"])
    assert {t["day"]: (t["reported"], t["closed"]) for t in got["trend"]} == want["trend"]
    return got


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One small generated prefecture per backend, shared by the read-only tests here (a
    database of its own on PostgreSQL, so other tests' schema resets cannot touch it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('kpi') / 'demo.db'}"
        admin = None
    else:
        base = make_url(request.getfixturevalue("postgres_url"))
        name = f"{base.database}_kpi"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    factory = install_rollups(make_session_factory(engine))
    summary = generate_demo(factory, seed=7, cases=3000, now=NOW, grids=1100)
    yield factory, summary
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _paths(session: Session) -> dict[int, str]:
    rows = session.execute(sa.select(Center.level, Center.path).order_by(Center.code)).all()
    out: dict[int, str] = {}
    for level, path in rows:
        out.setdefault(level, path)
    # The busiest village has the most interesting numbers.
    busiest = session.execute(
        sa.select(Case.owning_path, sa.func.count())
        .group_by(Case.owning_path)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).one()
    out[5] = busiest[0]
    return out


def test_kpis_of_the_demo_match_a_plain_recomputation(demo_db: Any) -> None:
    factory, _ = demo_db
    with factory() as session:
        paths = _paths(session)
        year = (NOW - timedelta(days=366), NOW)
        got = check_scope(session, paths[1], *year, NOW)
        assert got["reported"] == 3000 and len([c for c in got["children"] if not c["own"]]) == 8
        assert 0.9 < got["closure_rate"] <= 1 and got["open"] > 0
        for level in (2, 3, 5):
            check_scope(session, paths[level], *year, NOW)
        # A month in the middle, a single local day, and a period ending mid-day.
        check_scope(
            session, paths[1], datetime(2026, 3, 1, tzinfo=TZ), datetime(2026, 4, 1, tzinfo=TZ), NOW
        )
        check_scope(
            session,
            paths[2],
            datetime(2026, 11, 23, tzinfo=TZ),
            datetime(2026, 11, 24, tzinfo=TZ),
            NOW,
        )
        check_scope(
            session,
            paths[1],
            datetime(2026, 6, 1, 13, tzinfo=UTC),
            datetime(2026, 6, 9, 5, tzinfo=UTC),
            NOW,
        )


def test_without_the_rollup_table_the_figures_are_the_same(database_url: str) -> None:
    from dispatch import rollup

    engine = make_engine(database_url)
    factory = install_rollups(make_session_factory(engine))
    generate_demo(factory, seed=3, cases=800, now=NOW, grids=1100)
    try:
        with factory() as session:
            start = NOW - timedelta(days=90)
            fast = compute_kpis(session, "532600", start, NOW, now=NOW)
            fast_wall = wall_figures(session, "532600", NOW)
        with factory.begin() as session:
            kpi_daily.drop(session.connection())
        rollup.forget_presence()
        with factory() as session:
            assert compute_kpis(session, "532600", start, NOW, now=NOW) == fast
            assert wall_figures(session, "532600", NOW) == fast_wall
    finally:
        rollup.forget_presence()
        engine.dispose()


def test_wall_figures_and_center_counts_match_the_cases(demo_db: Any) -> None:
    factory, _ = demo_db
    with factory() as session:
        scope = _paths(session)[1]
        wall = wall_figures(session, scope, NOW)
        cases = list(session.execute(sa.select(Case)).scalars())
        local_today = NOW.astimezone(TZ).date()
        day0 = _local_midnight(local_today)
        year0 = _local_midnight(local_today.replace(month=1, day=1))
        year = oracle_figures(cases, year0, day0 + timedelta(days=1), NOW)
        assert wall["reported_today"] == sum(1 for c in cases if c.reported_at >= day0)
        assert wall["closed_today"] == sum(
            1 for c in cases if c.state == "closed" and c.closed_at >= day0
        )
        assert wall["closure_rate"] == year["closure_rate"]
        assert wall["on_time_rate"] == year["on_time_rate"]
        assert wall["satisfaction_rate"] == year["satisfaction_rate"]
        open_ = [c for c in cases if c.state in OPEN]
        late = [c for c in open_ if c.state != "suspended" and c.due_at < NOW]
        assert (wall["open"], wall["overdue"]) == (len(open_), len(late))
        assert wall["high_risk_open"] == sum(1 for c in open_ if c.risk == "high")

        counts = center_counts(session, scope, NOW)
        centers = dict(session.execute(sa.select(Center.code, Center.path)).all())
        for code, path in centers.items():
            mine = [
                c for c in open_ if c.owning_path == path or c.owning_path.startswith(path + "/")
            ]
            want = {
                "open": len(mine),
                "overdue": sum(1 for c in mine if c in late),
                "high_risk": sum(1 for c in mine if c.risk == "high"),
            }
            assert counts.get(code, {"open": 0, "overdue": 0, "high_risk": 0}) == want, code


def test_rollups_equal_a_rebuild_after_the_demo(demo_db: Any) -> None:
    factory, _ = demo_db
    with factory.begin() as session:
        before = _rollup_rows(session)
        rebuild_rollups(session)
        assert _rollup_rows(session) == before


def _rollup_rows(session: Session) -> dict[tuple[Any, ...], tuple[int, ...]]:
    rows = session.execute(sa.select(kpi_daily)).all()
    return {tuple(r[:3]): tuple(int(v) for v in r[3:]) for r in rows if any(r[3:])}


def test_unknown_scope_is_not_found(demo_db: Any) -> None:
    from dispatch.errors import NotFound

    factory, _ = demo_db
    with factory() as session, pytest.raises(NotFound):
        compute_kpis(session, "532600/999999", NOW - timedelta(days=1), NOW, now=NOW)
