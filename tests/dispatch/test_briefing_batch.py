"""Every center's briefing from one batch of grouped queries equals the briefing generated one
center at a time (figure by figure, table by table), on SQLite and PostgreSQL: daily summaries
of a finished and of a running day, and weekly assessments, with a trail holding re-gradings,
督办 and exits and with a signed briefing for some centers (their own baselines)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.briefings import generate
from dispatch.briefings.batch import Batch
from dispatch.briefings.store import save, sign
from dispatch.models import Case, CaseEvent, Center
from dispatch.principal import Role
from tests.dispatch.factories import PREFECTURE, principal
from tests.dispatch.test_kpi import NOW, OPEN
from tests.dispatch.test_kpi import demo_db as demo_db  # noqa: F401  (the shared fixture)

DAY = date(2026, 11, 23)


def _trail(session: Session, case: Case, action: str, at: Any, **payload: Any) -> None:
    """A trail line as the workflow writes it (the case's next ``seq``)."""
    seq = session.scalar(sa.select(sa.func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
    session.add(CaseEvent(case_id=case.id, seq=(seq or 0) + 1, at=at, actor="test",
                          action=action, from_state=case.state, to_state=case.state,
                          payload=payload))


def _stir(factory: Any) -> int:
    """Re-grade some open matters and supervise others during DAY (as the workflow records
    them: the old grade beside the new, the case's grade changed)."""
    at = NOW - timedelta(hours=20)
    with factory.begin() as s:
        open_cases = s.scalars(
            sa.select(Case).where(Case.state.in_(sorted(OPEN))).order_by(Case.id).limit(40)
        ).all()
        half = len(open_cases) // 2
        assert half >= 5
        for i, case in enumerate(open_cases[:half]):
            new = ("high", "medium", "low")[i % 3]
            if new == case.risk:
                new = "medium" if case.risk != "medium" else "high"
            _trail(s, case, "regrade", at + timedelta(minutes=i), risk=new, from_risk=case.risk,
                   reason="研判调整")
            case.risk = new
        for i, case in enumerate(open_cases[half:]):
            _trail(s, case, "supervise", at + timedelta(minutes=i), deadline="2026-11-30",
                   by_center="文山州综治中心")
        return len(open_cases) - half


def _sample(session: Session) -> list[str]:
    """The prefecture, its counties and townships, the 40 busiest villages and 30 quiet ones."""
    upper = list(session.scalars(sa.select(Center.path).where(Center.level <= 3)))
    busy = list(session.scalars(
        sa.select(Case.owning_path).where(sa.func.length(Case.owning_path) > 20)
        .group_by(Case.owning_path).order_by(sa.func.count().desc(), Case.owning_path).limit(40)
    ))
    quiet = list(session.scalars(
        sa.select(Center.path).where(Center.level == 4, Center.path.not_in(busy))
        .order_by(Center.path).limit(30)
    ))
    return sorted({*upper, *busy, *quiet})


def _same(session: Session, batch: Batch, paths: list[str], kind: str, day: date) -> int:
    compared = 0
    for path in paths:
        one = generate(session, path, kind, day, now=NOW).to_dict()
        many = generate(session, path, kind, day, now=NOW, source=batch).to_dict()
        assert many == one, path
        compared += 1
    return compared


def test_the_batch_equals_one_center_at_a_time(demo_db: Any) -> None:  # noqa: F811
    factory, _ = demo_db
    supervised = _stir(factory)
    # Some centers have a signed daily summary of the day before: their changes count from it.
    with factory.begin() as s:
        signed = list(s.scalars(sa.select(Center.path).where(Center.level <= 2)))
        for path in signed[:5]:
            b = save(s, generate(s, path, "daily", DAY - timedelta(days=1),
                                 now=NOW - timedelta(hours=30)))
            assert b.id is not None
            sign(s, principal(path, Role.DUTY_OFFICER, actor="duty"), b.id, "平稳",
                 now=NOW - timedelta(hours=29))
    with factory() as s:
        paths = _sample(s)
        batch = Batch(s, PREFECTURE, "daily", DAY, NOW)
        assert len(batch.centers) == s.scalar(sa.select(sa.func.count()).select_from(Center))
        assert _same(s, batch, paths, "daily", DAY) == len(paths) > 140
        top = generate(s, PREFECTURE, "daily", DAY, now=NOW, source=batch)
        # The stirred trail is in the figures compared: 督办 counted, grades moved.
        assert top.headline["supervisions"] == supervised
        assert top.headline["register_raised"] + top.headline["register_lowered"] > 0
        assert top.extra["baseline"]["source"] == "signed"
        assert {generate(s, p, "daily", DAY, now=NOW, source=batch).extra["baseline"]["source"]
                for p in paths} == {"signed", "previous_period"}

        running = NOW.astimezone(batch.period.start_at().tzinfo).date()
        live = Batch(s, PREFECTURE, "daily", running, NOW)
        assert _same(s, live, paths[:60], "daily", running) == 60

        week = Batch(s, PREFECTURE, "weekly", date(2026, 11, 16), NOW)
        assert _same(s, week, [p for p in paths if p.count("/") <= 1], "weekly",
                     date(2026, 11, 16)) == 9
