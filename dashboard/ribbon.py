"""The wall's KPI ribbon for a scope: today's volume and this year's rates.

Figures come from the dispatch KPIs (:func:`dispatch.kpi.compute_kpis`) so the wall, the
analysis page and the API never disagree: reported and closed count the local day
(Asia/Shanghai by default); 结案率, 按期结案率 and satisfaction count the year so far, the
period leaders read them over.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

TZ = ZoneInfo("Asia/Shanghai")


def local_day_start(now: datetime, tz: ZoneInfo = TZ) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tz).astimezone(UTC)


def local_year_start(now: datetime, tz: ZoneInfo = TZ) -> datetime:
    local = now.astimezone(tz)
    return datetime(local.year, 1, 1, tzinfo=tz).astimezone(UTC)


def _get(kpis: Any, name: str) -> Any:
    if isinstance(kpis, dict):
        return kpis.get(name)
    return getattr(kpis, name, None)


def ribbon_figures(session: Session, path: str, now: datetime) -> dict[str, Any]:
    try:
        from dispatch.kpi import compute_kpis
    except ModuleNotFoundError:
        return _plain_figures(session, path, now)
    end = now + timedelta(seconds=1)
    today = compute_kpis(session, path, local_day_start(now), end)
    year = compute_kpis(session, path, local_year_start(now), end)
    return {
        "reported_today": _get(today, "reported"),
        "closed_today": _get(today, "closed"),
        "closure_rate": _get(year, "closure_rate"),
        "on_time_rate": _get(year, "on_time_rate"),
        "satisfaction": _get(year, "satisfaction_rate"),
    }


def _plain_figures(session: Session, path: str, now: datetime) -> dict[str, Any]:
    """The same figures by plain counting (used until the KPI module is installed)."""
    import sqlalchemy as sa

    from dispatch.models import Case
    from dispatch.registry import subtree_filter
    from dispatch.types import SATISFIED_VALUES, CaseState

    inside = subtree_filter(Case.owning_path, path)
    day, year = local_day_start(now), local_year_start(now)
    closed = Case.state == CaseState.CLOSED.value

    def count(*where: Any) -> int:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Case).where(inside, *where)) or 0)

    open_states = [s.value for s in CaseState if s not in (CaseState.CLOSED, CaseState.REFUSED, CaseState.MERGED)]
    closed_year = count(closed, Case.closed_at >= year)
    due_year = count(Case.due_at >= year, Case.due_at < now) + closed_year
    on_time = count(closed, Case.closed_at >= year, Case.closed_at <= Case.due_at)
    overdue_open = count(Case.state.in_(open_states), Case.due_at < now)
    rated = count(Case.satisfaction.is_not(None), Case.closed_at >= year)
    happy = count(Case.satisfaction.in_([v.value for v in SATISFIED_VALUES]), Case.closed_at >= year)
    return {
        "reported_today": count(Case.reported_at >= day),
        "closed_today": count(closed, Case.closed_at >= day),
        "closure_rate": min(1.0, closed_year / due_year) if due_year else None,
        "on_time_rate": on_time / (closed_year + overdue_open) if closed_year + overdue_open else None,
        "satisfaction": happy / rated if rated else None,
    }
