"""The signing limit (签收时限): how long an order may wait for 签收 after it is dispatched.

The rule is the SLA policy's ``signing`` (:class:`config.sla.SigningRule`, e.g. 2 working
hours): an order of a case in the emergency class (emergencies and gatherings by default, or
an explicit ``complexity`` of ``emergency``) gets ``emergency_minutes`` on the wall clock, any
other ``hours`` on the rule's clock (working hours of working days by default), and never
later than the case's own deadline when that falls sooner. The clock starts at dispatch, or
again when the dispatching center rejects the order's return (驳回退单). The inbox shows the
time left; the SLA clock raises ``order_unsigned`` once it has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from config.sla import Clock, SlaPolicy
from dispatch.sla import WorkCalendar
from dispatch.types import Complexity


@lru_cache(maxsize=8)
def _calendar(windows: tuple[tuple[object, object], ...]) -> WorkCalendar:
    return WorkCalendar(None, list(windows))  # type: ignore[arg-type]


def sign_deadline(
    policy: SlaPolicy,
    dispatched_at: datetime,
    kind: str,
    risk: str,
    complexity: str | None,
    due_at: datetime | None,
    calendar: WorkCalendar | None = None,
) -> datetime:
    """When an order dispatched (or sent back to its holder) at ``dispatched_at`` is late to
    be signed. ``calendar``: the deployment's working calendar (the default: the official
    holidays and the policy's working hours)."""
    rule = policy.signing
    if policy.complexity_for(kind, risk, complexity) == Complexity.EMERGENCY:
        deadline = dispatched_at + timedelta(minutes=rule.emergency_minutes)
    elif rule.clock == Clock.WALL:
        deadline = dispatched_at + timedelta(hours=rule.hours)
    else:
        cal = calendar or _calendar(tuple(policy.windows()))
        deadline = cal.add_working_seconds(dispatched_at, rule.hours * 3600)
    # A case due sooner must be signed by its deadline (one already late keeps the full limit).
    if due_at is not None and dispatched_at < due_at < deadline:
        return due_at
    return deadline
