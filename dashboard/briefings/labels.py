"""How a briefing's list entry is named on a page: its period and its status, in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dashboard.i18n import tr
from dispatch.briefings.words import local_date


def period_of(item: dict[str, Any], lang: str) -> str:
    start = local_date(str(item["period_start"]))
    last = local_date(str(item["period_end"])) - timedelta(days=1)
    if start == last:
        return start.isoformat()
    return tr("brief_page.period_range", lang, start=start.isoformat(), end=last.isoformat())


def status_of(item: dict[str, Any], lang: str) -> str:
    return tr(f"brief_page.status.{'signed' if item['status'] == 'signed' else 'draft'}", lang)
