"""The risk register on the case page: how re-grading, plan reviews and 督办 read on the
trail (:data:`DETAILS`, merged into :data:`dashboard.desk.case_trail.DETAILS`) and the summary
lines of the plan's review date and the latest 督办 (:func:`summary_rows`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashboard.i18n import label, tr
from dashboard.i18n.dates import local_time
from dispatch.localtime import TZ
from dispatch.models import Case
from dispatch.types import TERMINAL_STATES

_FINISHED = frozenset(s.value for s in TERMINAL_STATES)


def _day(caption: str) -> Any:
    def read(value: Any, names: Any, lang: str) -> tuple[str, str] | None:
        return (tr(caption, lang), value) if isinstance(value, str) and len(value) == 10 else None

    return read


def _from_risk(value: Any, names: Any, lang: str) -> tuple[str, str] | None:
    return (tr("trail.from_risk", lang), label("risk", value, lang)) if isinstance(value, str) else None


def _by_center(value: Any, names: Any, lang: str) -> tuple[str, str] | None:
    return (tr("trail.by_center", lang), value) if isinstance(value, str) and value else None


#: Payload fields of ``regrade``, ``plan_review``, ``supervise`` and the review date.
DETAILS = {
    "from_risk": _from_risk,
    "review_on": _day("field.review_on"),
    "reviewed_on": _day("trail.reviewed_on"),
    "deadline": _day("field.deadline"),
    "by_center": _by_center,
}
#: Actions drawn as supervision on the trail (with 催办 and 通报).
SUPERVISION = frozenset({"supervise"})


def summary_rows(case: Case, lang: str) -> list[tuple[str, str]]:
    """(caption, value) of the plan's review date and the latest 督办, worded."""
    review = "—"
    if case.plan_review_on is not None:
        review = case.plan_review_on.isoformat()
        today = datetime.now(UTC).astimezone(TZ).date()
        if case.plan_review_on < today and case.state not in _FINISHED:
            review += tr("case.plan_review_late", lang)
    supervise = "—"
    if case.supervise_at is not None:
        supervise = tr("case.supervise_text", lang, by=case.supervise_by or "—",
                       at=local_time(case.supervise_at), note=case.supervise_note or "—")
        if case.supervise_due_on is not None:
            supervise += tr("case.supervise_due", lang, due=case.supervise_due_on.isoformat())
    return [(tr("case.plan_review_on", lang), review), (tr("case.supervise", lang), supervise)]
