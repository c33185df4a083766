"""From counters to figures: the rates, handling times and shares a KPI answer reports.

Kept apart from the queries so the rollup path, the plain path and the tests share one
arithmetic. Rates are ``None`` when their denominator is zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dispatch.rollup import BUCKETS, HOUR_EDGES, INDEX

LEVELS = (
    ("village", "level4"),
    ("township", "level3"),
    ("county", "level2"),
    ("prefecture", "level1"),
)
RISKS = ("high", "medium", "low")
OPEN_KEYS = ("open", "overdue", "suspended", *RISKS)


def rate(num: int, den: int) -> float | None:
    return num / den if den else None


def p90_hours(histogram: Sequence[int]) -> float | None:
    """The 90th percentile (nearest rank) estimated from the histogram: linear within the
    bucket holding that rank, so the true value lies within the same bucket's edges."""
    total = sum(histogram)
    if not total:
        return None
    rank = -(-9 * total // 10)  # ceil(0.9 * total) without floating point
    seen = 0
    for i, count in enumerate(histogram):
        if count and seen + count >= rank:
            low = HOUR_EDGES[i - 1] if i else 0.0
            if i == len(HOUR_EDGES):  # open-ended last bucket
                return float(low)
            return low + (HOUR_EDGES[i] - low) * (rank - seen) / count
        seen += count
    raise AssertionError("unreachable: rank within total")


def bucket_bounds(hours: float) -> tuple[float, float]:
    """Edges of the histogram bucket holding ``hours`` (for checking a p90 estimate)."""
    low = 0.0
    for edge in HOUR_EDGES:
        if hours <= edge:
            return low, float(edge)
        low = float(edge)
    return low, float("inf")


def figures(v: Sequence[int], opened: dict[str, int] | None) -> dict[str, Any]:
    """The KPI figures of one counter vector (:data:`dispatch.rollup.COUNTERS`) plus the
    open-case counts of the same subtree."""
    o = {k: 0 for k in OPEN_KEYS} | (opened or {})
    get = {name: v[i] for name, i in INDEX.items()}
    closed, overdue = get["closed"], o["overdue"]
    due = closed + overdue
    hist = [get[b] for b in BUCKETS]
    by_level = {name: get[col] for name, col in LEVELS}
    return {
        "reported": get["reported"],
        "accepted": get["accepted"],
        "closed": closed,
        "closed_on_time": get["closed_on_time"],
        "due_to_close": due,
        "closure_rate": rate(closed, due),
        "on_time_rate": rate(get["closed_on_time"], due),
        "closure_of_reported": rate(get["reported_closed"], get["reported"]),
        "reworked": get["reworked"],
        "reworks": get["reworks"],
        "resolutions": get["resolutions"],
        "rework_rate": rate(get["reworks"], get["resolutions"]),
        "extended": get["extended"],
        "extension_rate": rate(get["extended"], closed),
        "extended_late": get["extended_late"],
        "late_extension_rate": rate(get["extended_late"], closed),
        "orders": get["orders"],
        "returns": get["returns"],
        "returns_rejected": get["returns_rejected"],
        "return_rate": rate(get["returns"], get["orders"]),
        "return_rejection_rate": rate(
            get["returns_rejected"], get["returns"] + get["returns_rejected"]
        ),
        "visits": get["visits"],
        "satisfied_visits": get["satisfied"],
        "satisfied_strict_visits": get["satisfied_strict"],
        "satisfaction_strict_rate": rate(get["satisfied_strict"], get["visits"]),
        "satisfaction_broad_rate": rate(get["satisfied"], get["visits"]),
        # The broad rate under its former name, for readers written before both were shown.
        "satisfaction_rate": rate(get["satisfied"], get["visits"]),
        "mean_hours": get["handling_seconds"] / closed / 3600 if closed else None,
        "p90_hours": p90_hours(hist),
        "closed_by_level": by_level,
        "level_share": {name: rate(n, closed) for name, n in by_level.items()},
        "open": o["open"],
        "open_by_risk": {r: o[r] for r in RISKS},
        "suspended": o["suspended"],
        "overdue": overdue,
    }


def open_counts(
    groups: Iterable[tuple[str, str, bool, bool, int]], scope_path: str
) -> dict[str, dict[str, int]]:
    """Open cases per child of ``scope_path`` (``""``: held at the scope itself), from
    :func:`dispatch.kpi_raw.open_groups` rows."""
    depth = scope_path.count("/") + 1
    out: dict[str, dict[str, int]] = {}
    for path, risk, suspended, overdue, n in groups:
        codes = path.split("/")
        child = codes[depth] if len(codes) > depth else ""
        c = out.get(child)
        if c is None:
            c = out[child] = {k: 0 for k in OPEN_KEYS}
        c["open"] += n
        c[risk] = c.get(risk, 0) + n
        c["suspended"] += n if suspended else 0
        c["overdue"] += n if overdue else 0
    return out
