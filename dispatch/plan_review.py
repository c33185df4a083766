"""一案一策复核: the plan's review date passed, an alert (``plan_review_overdue``).

:func:`check_plan_reviews` is run by the SLA clock on every tick (:class:`dispatch.clock.
SlaClock`). A review date has *passed* once its local day is over. Each open case whose date
has passed gets one alert at its owning center, worded by :mod:`dispatch.case_alerts`, with
the 包保 leader named on it and notified on its trail (``notified``, the leader as the person)
— once per passed date: a date whose alert was raised before is not raised again, even after
that alert closed. The alert clears when the plan is reviewed (``plan_review``, which sets
the next date), when another date is set, or when the case ends
(:func:`dispatch.case_alerts.after_change`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.case_alerts import plan_review_key, raise_case_alert
from dispatch.duty.steps import Step, record_step
from dispatch.localtime import TZ
from dispatch.models import Alert, Case
from dispatch.types import OPEN_STATES, AlertKind

_OPEN = sorted(s.value for s in OPEN_STATES)


def passed_reviews(session: Session, now: datetime) -> list[Case]:
    """Open cases whose plan review date is over (``ix_cases_plan_review_on``)."""
    today = now.astimezone(TZ).date()
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.plan_review_on < today, Case.state.in_(_OPEN))
            .order_by(Case.plan_review_on, Case.id)
        )
    )


def check_plan_reviews(session: Session, now: datetime) -> int:
    """Raise the alert of every passed review date not alerted yet; returns how many."""
    raised = 0
    for case in passed_reviews(session, now):
        assert case.plan_review_on is not None
        key = plan_review_key(case.id, case.plan_review_on)
        if session.scalar(sa.select(sa.exists().where(Alert.dedup_key == key))):
            continue
        alert, created = raise_case_alert(session, case, AlertKind.PLAN_REVIEW_OVERDUE, now)
        if created:
            record_step(session, alert, Step.NOTIFIED, now, center_path=case.owning_path,
                        person=(case.leader or None) and case.leader[:64])
            raised += 1
    return raised
