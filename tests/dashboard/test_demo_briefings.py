"""A fresh demo opens with briefings on its 研判 page: yesterday's 日小结 for every center and
the latest assessments of the prefecture and the counties are made before the server starts;
a second start makes none again; the other levels' assessments are left to the schedule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config.briefings import BriefingSchedule
from dashboard.demo.setup import DemoOptions, first_briefings, prepare_database
from dispatch.briefings.model import Kind
from dispatch.briefings.schedule import due_period
from dispatch.db import make_engine
from dispatch.localtime import TZ


def test_a_fresh_demo_has_yesterdays_summaries_and_the_upper_assessments(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    said: list[str] = []
    policy = BriefingSchedule()
    prepare_database(url, DemoOptions(cases=400), said.append, briefings=policy)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            centers = Counter(dict(conn.exec_driver_sql(
                "SELECT level, count(*) FROM centers GROUP BY level").all()))
            made = Counter({(k, lv): n for k, lv, n in conn.exec_driver_sql(
                "SELECT b.kind, c.level, count(*) FROM briefings b"
                " JOIN centers c ON c.id = b.center_id GROUP BY b.kind, c.level").all()})
            starts = dict(conn.exec_driver_sql(
                "SELECT kind, min(period_start) FROM briefings GROUP BY kind").all())
        now = datetime.now(UTC)
        yesterday = (now.astimezone(TZ) - timedelta(days=1)).date()
        # Every center has the daily summary the schedule would have made by now.
        assert {lv: made[("daily", lv)] for lv in centers} == dict(centers)
        day = due_period(Kind.DAILY, policy.daily_at, now).start
        assert str(starts["daily"]) == day.isoformat()
        assert day in (yesterday, yesterday - timedelta(days=1))  # before 00:10, the day before
        # The prefecture and the counties have their weekly, monthly and quarterly assessments;
        # townships and villages wait for the schedule's first pass.
        for kind in ("weekly", "monthly", "quarterly"):
            assert made[(kind, 1)] == 1 and made[(kind, 2)] == centers[2], kind
            assert made[(kind, 3)] == 0 and made[(kind, 4)] == 0, kind
        assert any("briefings made" in line for line in said)
        said.clear()
        prepare_database(url, DemoOptions(cases=400), said.append, briefings=policy)
        assert not any("briefings made" in line for line in said)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM briefings").scalar() == sum(
                made.values())
    finally:
        engine.dispose()


def test_the_first_pass_keeps_only_the_upper_levels_of_each_assessment() -> None:
    policy = BriefingSchedule(weekly_levels=[2, 3, 4], monthly_levels=[3], quarterly_levels=[1])
    first = first_briefings(policy)
    assert first.daily_levels == policy.daily_levels
    assert (first.weekly_levels, first.monthly_levels, first.quarterly_levels) == ([2], [], [1])
