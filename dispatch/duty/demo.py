"""The demo's duty rosters: the demo accounts on duty at their centers, 08:00 to 08:00 local
time, from yesterday for two weeks. Idempotent: days already on a roster are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.localtime import TZ
from dispatch.models import Center, DutyShift

#: level → (username, role) on duty at the demo branch's center of that level
DEMO_DUTY: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("zhou.leader", "leader"),),
    2: (("xian.duty", "duty_officer"), ("xian.leader", "leader")),
    3: (("xiang.operator", "duty_officer"),),
    4: (("cun.operator", "duty_officer"),),
}
DAYS = 14


def seed_demo_roster(session: Session, branch: list[Center], now: datetime | None = None) -> int:
    """Add the missing demo shifts for the centers of ``branch``; returns how many."""
    now = now or datetime.now(UTC)
    first = datetime.combine(now.astimezone(TZ).date() - timedelta(days=1), time(8), tzinfo=TZ)
    added = 0
    for center in branch:
        for username, role in DEMO_DUTY.get(center.level, ()):
            for day in range(DAYS):
                start = (first + timedelta(days=day)).astimezone(UTC)
                exists = session.scalar(
                    sa.select(DutyShift.id).where(
                        DutyShift.center_id == center.id,
                        DutyShift.username == username,
                        DutyShift.starts_at == start,
                    )
                )
                if exists is None:
                    session.add(DutyShift(
                        center_id=center.id, username=username, role=role, starts_at=start,
                        ends_at=start + timedelta(days=1), updated_by="demo",
                    ))
                    added += 1
    session.flush()
    return added


__all__ = ["DEMO_DUTY", "seed_demo_roster"]
