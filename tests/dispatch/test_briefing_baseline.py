"""The risk register's changes since the last signed briefing of the same center and kind (new,
raised, lowered, resolved), from the case trail; the previous period when none is signed; the
baseline named in Chinese on the PDF (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import Session

from dashboard.i18n.words import words_for
from dispatch.briefings import Briefing, generate
from dispatch.briefings.baseline import EXIT_ACTIONS
from dispatch.briefings.pdf import render_pdf
from dispatch.briefings.store import generate_and_save, sign
from dispatch.briefings.words import baseline_text
from dispatch.models import Case, CaseEvent
from dispatch.principal import Role
from dispatch.types import TERMINAL_STATES
from dispatch.workflow import TRANSITIONS
from tests.dispatch.factories import OPERATOR, TOWNSHIP, VILLAGE, Db, act, new_case, principal
from tests.dispatch.test_kpi import TZ

DUTY = principal(TOWNSHIP, Role.DUTY_OFFICER, actor="township-duty")
HIGH = {"risk": "high", "leader": "李副镇长", "plan": "专人包保，每日回访"}


def _regrade(db: Db, case_id: int, grade: str, at: datetime) -> None:
    """A re-grading as the workflow records it: the trail line holds the new grade
    (``risk``), the old one (``from_risk``) and the reason; the case takes the new grade."""
    with db.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None
        seq = s.scalar(sa.select(sa.func.max(CaseEvent.seq)).where(CaseEvent.case_id == case_id))
        s.add(CaseEvent(case_id=case_id, seq=(seq or 0) + 1, at=at, actor="township-duty",
                        action="regrade", from_state=case.state, to_state=case.state,
                        payload={"risk": grade, "from_risk": case.risk, "reason": "研判调整"}))
        case.risk = grade


def _register(b: Briefing) -> dict[str, str]:
    return {r["title"]: r["change"] for r in b.section("risk").table("register").records()}


def _counts(b: Briefing) -> dict[str, int]:
    return {r["change"]: r["count"] for r in b.section("risk").table("register_changes").records()}


def _pdf_text(b: Briefing) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(b, words_for("zh-CN"))))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_exit_actions_are_the_workflows_ways_out_of_the_open_states() -> None:
    assert set(EXIT_ACTIONS) == {t.action for t in TRANSITIONS if t.target in TERMINAL_STATES}


def test_changes_count_from_the_last_signed_briefing(db: Db) -> None:
    d1 = date(2026, 11, 9)
    t1 = datetime(2026, 11, 9, 9, tzinfo=TZ)
    ids = {
        title: new_case(db, at=t1, title=title, **kw).id
        for title, kw in (
            ("升级", {"risk": "medium"}), ("降级", HIGH), ("降为低", {"risk": "medium"}),
            ("由低调高", {"risk": "low"}), ("化解", HIGH), ("延续", {"risk": "medium"}),
            ("升又降", {"risk": "medium"}),
        )
    }
    for title in ("升级", "降级", "降为低", "由低调高", "延续", "升又降"):
        act(db, OPERATOR, ids[title], "accept", t1 + timedelta(minutes=5))

    # Nothing signed yet: the day's summary counts from the day's start.
    at_first = datetime(2026, 11, 10, 0, 10, tzinfo=TZ)
    with db.begin() as s:
        first = generate_and_save(s, TOWNSHIP, "daily", d1, now=at_first)
    assert first.extra["baseline"] == {
        "source": "previous_period", "at": datetime(2026, 11, 9, tzinfo=TZ).astimezone(UTC).isoformat(),
        "briefing_id": None, "period_start": None, "period_end": None, "signed_by": None,
        "signed_at": None,
    }
    assert set(_register(first).values()) == {"new"}  # all reported that day
    assert _counts(first) == {"new": 6, "raised": 0, "lowered": 0, "resolved": 0}
    assert first.headline["register_new"] == 6
    zh = baseline_text(first, words_for("zh-CN"))
    assert "上一统计周期" in zh and "2026-11-09 00:00" in zh
    assert "台账变化比对基准：上一统计周期" in _pdf_text(first)
    assert first.id is not None
    with db.begin() as s:
        sign(s, DUTY, first.id, "风险总体可控。", now=at_first + timedelta(hours=8))

    # The day after the briefing was signed: the grades move, one matter is resolved.
    t2 = datetime(2026, 11, 11, 10, tzinfo=TZ)
    _regrade(db, ids["升级"], "high", t2)
    _regrade(db, ids["降级"], "medium", t2)
    _regrade(db, ids["降为低"], "low", t2)
    _regrade(db, ids["由低调高"], "medium", t2)
    _regrade(db, ids["升又降"], "high", t2)
    _regrade(db, ids["升又降"], "medium", t2 + timedelta(hours=1))
    act(db, OPERATOR, ids["化解"], "refuse", t2, reason="已由派出所化解，不予受理")
    new_case(db, at=t2, title="新报", risk="medium")
    new_case(db, at=t2, title="低风险新报", risk="low")
    # A regrade before the baseline is not a change since it.
    _regrade(db, ids["延续"], "high", at_first - timedelta(hours=2))
    _regrade(db, ids["延续"], "medium", at_first - timedelta(hours=1))

    now = datetime(2026, 11, 12, 0, 10, tzinfo=TZ)
    with db.factory() as s:
        # 11 November's summary: 10 November's was never made, the 9th's is signed.
        b = generate(s, TOWNSHIP, "daily", date(2026, 11, 11), now=now)
        _check_signed_baseline(s, b, first, at_first)
        assert _register(b) == {
            "升级": "raised", "降级": "lowered", "由低调高": "new", "延续": "carried",
            "升又降": "carried", "新报": "new",
        }
        assert _counts(b) == {"new": 2, "raised": 1, "lowered": 2, "resolved": 1}
        assert (b.headline["register_new"], b.headline["register_raised"],
                b.headline["register_lowered"], b.headline["register_resolved"]) == (2, 1, 2, 1)
        left = {r["title"]: r for r in b.section("risk").table("register_left").records()}
        assert set(left) == {"降为低", "化解"}
        assert (left["降为低"]["risk_then"], left["降为低"]["risk"], left["降为低"]["change"]) == (
            "medium", "low", "lowered")
        assert (left["化解"]["risk_then"], left["化解"]["change"], left["化解"]["state"]) == (
            "high", "resolved", "refused")
        text = _pdf_text(b)
        assert "台账变化比对基准：2026-11-09日小结（已签发" in text
        assert "化解销号" in text and "降级" in text

        # The village below has no signed briefing: its changes count from its own period.
        village = generate(s, VILLAGE, "daily", date(2026, 11, 11), now=now)
        assert village.extra["baseline"]["source"] == "previous_period"
        # A weekly assessment looks for a signed weekly one, not the daily summary.
        week = generate(s, TOWNSHIP, "weekly", date(2026, 11, 11), now=now)
        assert week.extra["baseline"]["source"] == "previous_period"
        assert _counts(week)["new"] == 6  # every open graded matter was reported that week


def _check_signed_baseline(s: Session, b: Briefing, first: Briefing, at_first: datetime) -> None:
    base: dict[str, Any] = b.extra["baseline"]
    assert base["source"] == "signed" and base["briefing_id"] == first.id
    assert (base["period_start"], base["period_end"]) == ("2026-11-09", "2026-11-10")
    assert base["at"] == at_first.astimezone(UTC).isoformat()  # when its register was taken
    assert base["signed_by"] == "township-duty"
    zh = baseline_text(b, words_for("zh-CN"))
    assert zh.startswith("台账变化比对基准：2026-11-09日小结（已签发，签发时间 2026-11-10 08:10")
    en = baseline_text(b, words_for("en"))
    assert en.startswith("Register changes since: the Daily summary of 2026-11-09")
