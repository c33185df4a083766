"""The duty page's warning when the holiday calendar runs out (a small, translated banner).

:meth:`dispatch.sla.Sla.calendar_gap` knows the first year a deadline needed that the calendar
does not cover (one already computed in this process, or the longest limit counted from now);
this words it in the viewer's language. Show it with ``st.warning(md(text))`` (the text names a
file section, read by Markdown).
"""

from __future__ import annotations

from datetime import datetime

from dashboard.i18n import tr
from dispatch.sla import Sla


def calendar_notice(sla: Sla, lang: str, now: datetime | None = None) -> str | None:
    """The warning to show, or None when the calendar covers every deadline needed."""
    year = sla.calendar_gap(now)
    if year is None:
        return None
    last = sla.calendar.last_year
    if last is None:
        return tr("clock.calendar_none", lang)
    return tr("clock.calendar_edge", lang, year=year, last=last)
