"""KPIs of a center's subtree, broken down by child center (definitions: ``docs/kpi.md``).

Flow figures (reported, accepted, closed, on time, rework, extension, satisfaction, handling
time, level) come from the daily counters of :mod:`dispatch.rollup`: one grouped query reads
``children × days`` rows whatever the number of cases. Open-case figures (open by risk,
overdue) are read live from the few open cases through the index on ``state``. Periods count
whole local days (the product's zone, :mod:`dispatch.localtime`): ``start`` is rounded down and ``end`` up to local midnight,
and the answer states the period it covers.

Without the rollup table (a database nobody built it for) the same figures are computed from
the cases themselves, which is exact but slower (:func:`dispatch.kpi_raw.flow_counters`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import kpi_raw
from dispatch.kpi_figures import OPEN_KEYS, figures, open_counts, rate
from dispatch.localtime import TZ
from dispatch.models import Center
from dispatch.registry import center_by_path
from dispatch.rollup import (
    COUNTERS,
    INDEX,
    N,
    day_date,
    day_number,
    kpi_daily,
    local_day,
    local_midnight,
    rollups_present,
)

LEVEL_NAMES = {1: "prefecture", 2: "county", 3: "township", 4: "village"}
#: What the rates mean, stated in every answer (docs/kpi.md gives each with its source).
DEFINITIONS: dict[str, str] = {
    "on_time_rate": "按期结案率 = closed_on_time ÷ (closed + overdue); on time: the resolution "
    "accepted at 核查 was made by the deadline",
    "satisfaction_strict_rate": "满意率（严格）= 满意 visits ÷ return visits",
    "satisfaction_broad_rate": "满意率（宽口径）= (满意 + 基本满意) visits ÷ return visits",
    "satisfaction_rate": "the broad rate (满意 + 基本满意), kept under its former name",
    "rework_rate": "返工率 = 返工 ÷ 办结 (reworks ÷ resolutions of the cases closed)",
    "return_rate": "退单率 = 退单 approved ÷ 派单 (orders dispatched, lead and assists) of the "
    "cases closed",
    "return_rejection_rate": "退单驳回率 = 退单 rejected ÷ 退单 decided (approved + rejected) of "
    "the cases closed",
    "late_extension_rate": "逾期延期 = closed cases with a 延期 granted after the deadline ÷ closed",
    "overdue": "open past the deadline with the handler's clock running; for a finished period "
    "as it stood at the period's end",
}


def day_range(start: datetime, end: datetime) -> tuple[int, int]:
    """Local days ``[d0, d1)`` covering ``[start, end)``."""
    d0 = local_day(start.timestamp())
    last = local_day(end.timestamp())
    d1 = last if local_midnight(last) == end else last + 1
    return d0, max(d1, d0 + 1)


def _rollup_sums(
    session: Session, scope: str, d0: int, d1: int, key: str, counters: Sequence[str]
) -> list[sa.Row[Any]]:
    """Per ``key`` (child or day) of the scope's daily rows in ``[d0, d1)``: the counters' sums."""
    return list(
        session.execute(
            sa.select(kpi_daily.c[key], *(sa.func.sum(kpi_daily.c[n]) for n in counters))
            .where(
                kpi_daily.c.scope == scope,
                kpi_daily.c.day >= day_date(d0),
                kpi_daily.c.day < day_date(d1),
            )
            .group_by(kpi_daily.c[key])
        ).all()
    )


def _rollup_by_child(session: Session, scope: str, d0: int, d1: int) -> dict[str, list[int]]:
    rows = _rollup_sums(session, scope, d0, d1, "child", COUNTERS)
    return {row[0]: [int(v or 0) for v in row[1:]] for row in rows}


def _rollup_trend(session: Session, scope: str, d0: int, d1: int) -> dict[int, tuple[int, int]]:
    rows = _rollup_sums(session, scope, d0, d1, "day", ("reported", "closed"))
    return {day_number(d): (int(r or 0), int(c or 0)) for d, r, c in rows}


def compute_kpis(
    session: Session,
    scope_path: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """KPIs of ``scope_path``'s subtree for the local days covering ``[start, end)``.

    The answer (JSON-ready) holds the totals at the top level, ``children`` (one entry per
    child center plus, marked ``own``, the cases held at the scope center itself) and
    ``trend`` (reported and closed per local day). Raises NotFound for an unknown scope.
    """
    now = now or datetime.now(UTC)
    center = center_by_path(session, scope_path)
    d0, d1 = day_range(start, end)
    period_end = local_midnight(d1)
    cut = min(now, period_end)
    if rollups_present(session.connection()):
        flow = _rollup_by_child(session, scope_path, d0, d1)
        trend = _rollup_trend(session, scope_path, d0, d1)
    else:
        flow, trend = kpi_raw.flow_counters(session, scope_path, d0, d1)
    opened = open_counts(kpi_raw.open_groups(session, scope_path, cut), scope_path)
    if period_end <= now:  # a finished period: overdue as it stood at the period's end
        overdue_at_end(opened, kpi_raw.overdue_as_of(session, scope_path, d1))
    kids = session.execute(
        sa.select(Center.code, Center.name, Center.level)
        .where(Center.parent_id == center.id)
        .order_by(Center.code)
    ).all()
    children = [
        {"code": code, "name": name, "level": level, "own": False}
        | figures(flow.get(code, [0] * N), opened.get(code))
        for code, name, level in kids
    ]
    if any(flow.get("", ())) or opened.get(""):
        own = figures(flow.get("", [0] * N), opened.get(""))
        children.append(
            {"code": center.code, "name": center.name, "level": center.level, "own": True} | own
        )
    total = [sum(v[i] for v in flow.values()) for i in range(N)]
    return {
        "scope": scope_path,
        "center": {"code": center.code, "name": center.name, "level": center.level},
        "from": local_midnight(d0).isoformat(),
        "to": period_end.isoformat(),
        "now": now.isoformat(),
        "timezone": TZ.name,
        "as_of_period_end": period_end <= now,
        "definitions": DEFINITIONS,
        **figures(total, sum_open(opened)),
        "children": children,
        "trend": [
            {"day": day_date(d).isoformat(), "reported": r, "closed": c}
            for d in range(d0, d1)
            for r, c in [trend.get(d, (0, 0))]
        ],
    }


def overdue_at_end(opened: dict[str, dict[str, int]], at_end: dict[str, int]) -> None:
    """Replace the overdue counts of ``opened`` (per child) by those at the period's end."""
    for counts in opened.values():
        counts["overdue"] = 0
    for child, n in at_end.items():
        opened.setdefault(child, {k: 0 for k in OPEN_KEYS})["overdue"] = n


def sum_open(opened: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in opened.values():
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
    return total


def wall_figures(session: Session, scope_path: str, now: datetime) -> dict[str, Any]:
    """The live wall's figures: today's volume, the year's rates, open cases now.

    ``reported_today`` / ``closed_today`` count the local day of ``now``; 结案率, 按期结案率
    and satisfaction count the local year so far (what leaders read them over).
    """
    center_by_path(session, scope_path)  # NotFound for an unknown scope
    today = local_day(now.timestamp())
    year0 = day_number(day_date(today).replace(month=1, day=1))
    opened = sum_open(open_counts(kpi_raw.open_groups(session, scope_path, now), scope_path))
    if rollups_present(session.connection()):
        is_today = kpi_daily.c.day == day_date(today)
        row = session.execute(
            sa.select(
                sa.func.sum(sa.case((is_today, kpi_daily.c.reported), else_=0)),
                sa.func.sum(sa.case((is_today, kpi_daily.c.closed), else_=0)),
                *(sa.func.sum(kpi_daily.c[n]) for n in ("closed", "closed_on_time")),
                *(sa.func.sum(kpi_daily.c[n]) for n in ("visits", "satisfied", "satisfied_strict")),
            ).where(
                kpi_daily.c.scope == scope_path,
                kpi_daily.c.day >= day_date(year0),
                kpi_daily.c.day <= day_date(today),
            )
        ).one()
        reported_today, closed_today, closed, on_time, visits, satisfied, strict = (
            int(v or 0) for v in row
        )
    else:
        flow, trend = kpi_raw.flow_counters(session, scope_path, year0, today + 1)
        year = [sum(v[i] for v in flow.values()) for i in range(N)]
        reported_today, closed_today = trend.get(today, (0, 0))
        names = ("closed", "closed_on_time", "visits", "satisfied", "satisfied_strict")
        closed, on_time, visits, satisfied, strict = (year[INDEX[n]] for n in names)
    overdue = opened.get("overdue", 0)
    return {
        "scope": scope_path,
        "reported_today": reported_today,
        "closed_today": closed_today,
        "closure_rate": rate(closed, closed + overdue),
        "on_time_rate": rate(on_time, closed + overdue),
        "satisfaction_rate": rate(satisfied, visits),
        "satisfaction_strict_rate": rate(strict, visits),
        "satisfaction_broad_rate": rate(satisfied, visits),
        "open": opened.get("open", 0),
        "overdue": overdue,
        "high_risk_open": opened.get("high", 0),
        "year_from": local_midnight(year0).isoformat(),
    }


def center_counts(session: Session, scope_path: str, now: datetime) -> dict[str, dict[str, int]]:
    """Open, overdue and high-risk open cases in the subtree of every center within
    ``scope_path`` that has any (a code missing from the answer has none)."""
    out: dict[str, dict[str, int]] = {}
    depth = scope_path.count("/")
    for path, risk, _suspended, overdue, n in kpi_raw.open_groups(session, scope_path, now):
        for code in path.split("/")[depth:]:
            c = out.get(code)
            if c is None:
                c = out[code] = {"open": 0, "overdue": 0, "high_risk": 0}
            c["open"] += n
            c["overdue"] += n if overdue else 0
            c["high_risk"] += n if risk == "high" else 0
    return out
