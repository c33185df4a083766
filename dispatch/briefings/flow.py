"""The flow section: reported, accepted, closed and overdue matters by child center, kind and
channel, with the rates, for one period of a subtree (figures as ``dispatch.kpi`` defines
them; the by-center table *is* ``compute_kpis``'s breakdown)."""

from __future__ import annotations

from typing import Any

from dispatch.briefings.counts import FLOW
from dispatch.briefings.counts import rollup as rollup
from dispatch.briefings.model import Cell, Column, Table
from dispatch.types import CaseKind, Channel

#: Per child center: the KPI answer's figures, in this order.
CENTER_FIGURES = (
    ("reported", "int"),
    ("accepted", "int"),
    ("closed", "int"),
    ("closed_on_time", "int"),
    ("overdue", "int"),
    ("closure_rate", "rate"),
    ("on_time_rate", "rate"),
    ("rework_rate", "rate"),
    ("satisfaction_broad_rate", "rate"),
)


def _col(key: str, kind: str) -> Column:
    return Column(key, f"brief.col.{key}", kind)


def by_center(kpis: dict[str, Any]) -> Table:
    """One row per child center and, when it has any, one for the cases held at the scope
    center itself (its own code); the total row is the scope's."""
    columns = (
        Column("code", "brief.col.code", "text"),
        Column("center", "brief.col.center", "text"),
        *(_col(k, kind) for k, kind in CENTER_FIGURES),
    )
    rows: list[tuple[Cell, ...]] = []
    for child in kpis["children"]:
        rows.append((child["code"], child["name"], *(child[k] for k, _ in CENTER_FIGURES)))
    total = ("", kpis["center"]["name"], *(kpis[k] for k, _ in CENTER_FIGURES))
    return Table("by_center", "brief.table.by_center", columns, tuple(rows), total)


def _breakdown(
    key: str, group: str, values: list[str], counts: dict[Any, dict[str, int]]
) -> Table:
    extra = sorted(k for k in counts if k not in values)  # values outside the vocabulary
    rows = tuple(
        (value, *(counts.get(value, {}).get(f, 0) for f in FLOW)) for value in [*values, *extra]
    )
    return Table(
        f"by_{key}",
        f"brief.table.by_{key}",
        (Column(key, f"brief.col.{key}", f"enum:{group}"), *(_col(f, "int") for f in FLOW)),
        rows,
        ("", *(sum(int(r[i + 1]) for r in rows) for i in range(len(FLOW)))),
    )


def by_kind_and_channel(
    flows: dict[tuple[Any, ...], dict[str, int]],
) -> tuple[Table, Table]:
    """Reported, accepted, closed and overdue by kind and by channel (every value listed,
    zeros included), from :func:`dispatch.briefings.counts.flow_by` over (kind, channel)."""
    return (
        _breakdown("kind", "kind", [k.value for k in CaseKind], rollup(flows, 0)),
        _breakdown("channel", "channel", [c.value for c in Channel], rollup(flows, 1)),
    )


def trend(kpis: dict[str, Any]) -> Table:
    """Reported and closed per local day of the period (the KPI answer's trend)."""
    return Table(
        "trend",
        "brief.table.trend",
        (
            Column("day", "brief.col.day", "date"),
            _col("reported", "int"),
            _col("closed", "int"),
        ),
        tuple((d["day"], d["reported"], d["closed"]) for d in kpis["trend"]),
    )
