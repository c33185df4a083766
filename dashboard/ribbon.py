"""The wall's KPI ribbon for a scope: today's volume and this year's rates.

The figures are the dispatch KPIs' own (:func:`dispatch.kpi.wall_figures`), so the wall, the
analysis page and the API never disagree: reported and closed count the local day
(Asia/Shanghai); 结案率, 按期结案率 and satisfaction count the year so far.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.kpi import wall_figures


def ribbon_figures(session: Session, path: str, now: datetime) -> dict[str, Any]:
    figures = wall_figures(session, path, now)
    return {
        "reported_today": figures["reported_today"],
        "closed_today": figures["closed_today"],
        "closure_rate": figures["closure_rate"],
        "on_time_rate": figures["on_time_rate"],
        "satisfaction": figures["satisfaction_rate"],
    }
