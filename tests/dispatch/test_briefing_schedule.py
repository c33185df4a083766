"""Briefings made on schedule: the latest period due per kind, every center of the configured
levels once, catch-up after a pause, and the server's periodic loop running it."""

from __future__ import annotations

import asyncio
import importlib
from collections import Counter
from contextlib import AsyncExitStack
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from config.briefings import BriefingSchedule
from dashboard.server.periodic import run_briefings
from dispatch.briefings import Kind, generate, schedule
from dispatch.briefings.batch import Batch
from dispatch.briefings.schedule import BriefingScheduler, due_period
from dispatch.models import BriefingRecord, Center
from tests.dispatch.factories import Db, new_case
from tests.dispatch.test_kpi import TZ


def test_the_period_due_waits_for_its_end_and_the_time_of_day() -> None:
    monday_early = datetime(2026, 11, 16, 7, 0, tzinfo=TZ)
    monday_late = datetime(2026, 11, 16, 7, 31, tzinfo=TZ)
    at = time(7, 30)
    assert due_period(Kind.WEEKLY, at, monday_early).start == date(2026, 11, 2)
    assert due_period(Kind.WEEKLY, at, monday_late).start == date(2026, 11, 9)
    assert due_period(Kind.DAILY, time(0, 10), datetime(2026, 11, 16, 0, 5, tzinfo=TZ)).start == (
        date(2026, 11, 14)
    )
    assert due_period(Kind.DAILY, time(0, 10), monday_early).start == date(2026, 11, 15)
    assert due_period(Kind.MONTHLY, at, monday_early).start == date(2026, 10, 1)
    assert due_period(Kind.QUARTERLY, at, monday_early).start == date(2026, 7, 1)
    assert due_period(Kind.QUARTERLY, at, datetime(2026, 10, 1, 8, tzinfo=TZ)).start == (
        date(2026, 7, 1)
    )


def _made(db: Db) -> Counter[tuple[str, int, str]]:
    with db.factory() as s:
        rows = s.execute(
            sa.select(BriefingRecord.kind, Center.level, BriefingRecord.period_start)
            .join(Center, Center.id == BriefingRecord.center_id)
        ).all()
    return Counter((k, lvl, d.isoformat()) for k, lvl, d in rows)


def test_every_center_gets_each_briefing_due_once(db: Db) -> None:
    new_case(db, at=datetime(2026, 11, 15, 9, tzinfo=TZ))
    with db.factory() as s:
        levels = Counter(s.scalars(sa.select(Center.level)))
    scheduler = BriefingScheduler(db.factory, BriefingSchedule())
    now = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
    first = scheduler.run_once(now)
    assert first.failed == []
    assert first.made == {
        "daily": sum(levels.values()),
        "weekly": sum(levels.values()),
        "monthly": levels[1] + levels[2] + levels[3],
        "quarterly": levels[1] + levels[2],
    }
    made = _made(db)
    assert made[("daily", 4, "2026-11-15")] == levels[4]
    assert made[("weekly", 3, "2026-11-09")] == levels[3]
    assert made[("monthly", 4, "2026-10-01")] == 0  # villages review weekly, not monthly
    assert made[("quarterly", 2, "2026-07-01")] == levels[2]
    again = scheduler.run_once(now)
    assert sum(again.made.values()) == 0 and _made(db) == made
    # A day later: the next day's summaries only.
    later = scheduler.run_once(datetime(2026, 11, 17, 0, 30, tzinfo=TZ))
    assert later.made == {"daily": sum(levels.values()), "weekly": 0, "monthly": 0, "quarterly": 0}
    with db.factory() as s:
        b = s.scalars(
            sa.select(BriefingRecord)
            .join(Center, Center.id == BriefingRecord.center_id)
            .where(BriefingRecord.kind == "daily", Center.level == 1,
                   BriefingRecord.period_start == date(2026, 11, 15))
        ).one()
        assert b.status == "draft" and b.generated_by == "system"
        assert b.body["headline"]["reported"] == 1


def test_disabled_or_without_levels_nothing_is_made(db: Db) -> None:
    now = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
    off = BriefingScheduler(db.factory, BriefingSchedule(enabled=False)).run_once(now)
    assert off.made == {} and _made(db) == Counter()
    only_daily = BriefingSchedule(daily_levels=[2], weekly_levels=[], monthly_levels=[],
                                  quarterly_levels=[])
    BriefingScheduler(db.factory, only_daily).run_once(now)
    assert {(k, lvl) for k, lvl, _ in _made(db)} == {("daily", 2)}


def test_the_server_loop_runs_the_schedule(db: Db) -> None:
    policy = BriefingSchedule(tick_seconds=0.05, weekly_levels=[], monthly_levels=[],
                              quarterly_levels=[])

    async def main() -> None:
        async with AsyncExitStack() as stack:
            run_briefings(stack, db.factory, policy)
            for _ in range(300):
                if _made(db):
                    break
                await asyncio.sleep(0.02)

    asyncio.run(main())
    with db.factory() as s:
        centers = s.scalar(sa.select(sa.func.count()).select_from(Center))
    assert sum(_made(db).values()) == centers  # yesterday's summary of every center


def test_the_pass_reads_each_tree_once_and_stores_what_one_center_gives(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With many centers to make, the pass reads a tree's figures as one batch; what it
    stores is, center by center, what generating that center alone gives."""
    made: list[tuple[str, str]] = []

    class Counted(Batch):
        def __init__(self, session, root, kind, period_start, now):  # type: ignore[no-untyped-def]
            made.append((root, Kind(kind).value))
            super().__init__(session, root, kind, period_start, now)

    monkeypatch.setattr(schedule, "Batch", Counted)
    monkeypatch.setattr(schedule, "BATCH_MIN", 2)
    for hour, risk in ((9, "low"), (10, "high"), (11, "medium")):
        new_case(db, at=datetime(2026, 11, 15, hour, tzinfo=TZ), risk=risk,
                 **({"leader": "李副县长", "plan": "专人包保"} if risk == "high" else {}))
    now = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
    policy = BriefingSchedule(weekly_levels=[], monthly_levels=[], quarterly_levels=[])
    done = BriefingScheduler(db.factory, policy).run_once(now)
    assert done.failed == [] and done.made["daily"] > 2
    assert made == [("532600", "daily")]
    with db.factory() as s:
        rows = s.execute(
            sa.select(BriefingRecord.center_path, BriefingRecord.body)
            .where(BriefingRecord.kind == "daily")
        ).all()
        assert len(rows) == done.made["daily"]
        for path, body in rows:
            assert body == generate(s, path, "daily", date(2026, 11, 15), now=now).to_dict(), path
        top = next(body for path, body in rows if path == "532600")
        assert top["headline"]["new_high_risk"] == 1 and top["headline"]["reported"] == 3


def test_a_failing_center_in_a_group_holds_back_no_other(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drafts stored a group at a time: a group that fails is done again one by one, so only
    the failing center is missing, and the next pass makes it."""
    generating = importlib.import_module("dispatch.briefings.generate")  # the module

    monkeypatch.setattr(schedule, "BATCH_MIN", 2)
    monkeypatch.setattr(schedule, "CHUNK", 3)
    new_case(db, at=datetime(2026, 11, 15, 9, tzinfo=TZ))
    with db.factory() as s:
        paths = sorted(s.scalars(sa.select(Center.path)))
    broken = paths[len(paths) // 2]
    real = generating.CenterRef

    def center_ref(code: str, *rest: object) -> object:
        if code == broken.rsplit("/", 1)[-1]:
            raise RuntimeError("broken center")
        return real(code, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(generating, "CenterRef", center_ref)
    policy = BriefingSchedule(weekly_levels=[], monthly_levels=[], quarterly_levels=[])
    scheduler = BriefingScheduler(db.factory, policy)
    now = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
    first = scheduler.run_once(now)
    assert first.failed == [(broken, "daily")]
    assert first.made["daily"] == len(paths) - 1
    with db.factory() as s:
        stored = set(s.scalars(sa.select(BriefingRecord.center_path)))
    assert stored == set(paths) - {broken}
    monkeypatch.setattr(generating, "CenterRef", real)
    again = scheduler.run_once(now)
    assert again.failed == [] and again.made["daily"] == 1
