"""Times as people read them: local time, minutes, an em dash for none."""

from __future__ import annotations

from datetime import datetime

from dispatch.sla import TZ


def local_time(ts: datetime | None) -> str:
    return ts.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if ts else "—"
