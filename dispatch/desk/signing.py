"""The signing limit (签收时限): how long an order may wait for 签收 after it is dispatched.

The SLA policy (``config.sla``) has deadlines for the whole case but none for signing, so this
module defines the rule: an order of a case in the emergency class (by the policy: emergencies
and gatherings by default, or an explicit ``complexity`` of ``emergency``) must be signed within
30 minutes, any other within 2 hours, wall clock, and no later than the case's own deadline
when that falls sooner. The inbox shows the time left and marks an order late after that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from config.sla import SlaPolicy
from dispatch.types import Complexity

#: Wall-clock time to sign, by the case's deadline class.
SIGN_LIMITS: dict[Complexity, timedelta] = {
    Complexity.EMERGENCY: timedelta(minutes=30),
    Complexity.SIMPLE: timedelta(hours=2),
    Complexity.ORDINARY: timedelta(hours=2),
    Complexity.COMPLEX: timedelta(hours=2),
}


def sign_deadline(
    policy: SlaPolicy,
    dispatched_at: datetime,
    kind: str,
    risk: str,
    complexity: str | None,
    due_at: datetime | None,
) -> datetime:
    """When an order dispatched at ``dispatched_at`` is late to be signed."""
    limit = SIGN_LIMITS[policy.complexity_for(kind, risk, complexity)]
    deadline = dispatched_at + limit
    # A case due sooner must be signed by its deadline (one already late keeps the full limit).
    if due_at is not None and dispatched_at < due_at < deadline:
        return due_at
    return deadline
