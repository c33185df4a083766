"""Daily KPI counters per center, kept in step with the cases (the tables behind the KPIs).

One row per (``scope``, ``child``, local ``day``): ``scope`` is a center's path, ``child`` the
code of the child center below it whose subtree the row counts (``""`` for cases held at the
scope itself), ``day`` a local date of the product's zone (:mod:`dispatch.localtime`). A case
at ``a/b/c/d`` counts in the rows of ``(a, b)``, ``(a/b, c)``, ``(a/b/c, d)`` and
``(a/b/c/d, "")``, so the KPIs of any center broken down by child read only
``children × days`` rows, whatever the number of cases.

* :mod:`~dispatch.rollup.counters`: the named counters and what a case contributes (pure).
* :mod:`~dispatch.rollup.tables`: ``kpi_daily`` and ``kpi_open`` on the one ``MetaData``.
* :mod:`~dispatch.rollup.listener`: :func:`install_rollups` on the product's session factory.
* :mod:`~dispatch.rollup.rebuild`: recomputing the tables from the cases.

Bulk SQL updates of cases bypass the listeners: run :func:`rebuild_rollups` after them (the
demo generator does, after its bulk insert).
"""

from __future__ import annotations

from dispatch.rollup.counters import (
    BUCKETS,
    COUNTERS,
    DAY_US,
    FACT_FIELDS,
    HOUR_EDGES,
    INDEX,
    US,
    Accumulator,
    Facts,
    ancestor_keys,
    bucket_of,
    contribution,
    day_date,
    day_number,
    facts_of,
    local_day,
    local_midnight,
    to_us,
    us_day,
)
from dispatch.rollup.listener import (
    forget_presence,
    install_rollups,
    rollups_installed,
    rollups_present,
)
from dispatch.rollup.rebuild import (
    case_facts,
    ensure_rollups,
    ensure_table,
    fill_new_rollups,
    rebuild_from,
    rebuild_rollups,
    refill_open,
    row_tuples,
    write_rows,
)
from dispatch.rollup.tables import OPEN_VALUES, kpi_daily, kpi_open

N = len(COUNTERS)

__all__ = [
    "BUCKETS", "COUNTERS", "DAY_US", "FACT_FIELDS", "HOUR_EDGES", "INDEX", "N", "OPEN_VALUES",
    "US", "Accumulator", "Facts", "ancestor_keys", "bucket_of", "case_facts", "contribution",
    "day_date", "day_number", "ensure_rollups", "ensure_table", "facts_of", "fill_new_rollups", "forget_presence",
    "install_rollups", "kpi_daily", "kpi_open", "local_day", "local_midnight", "rebuild_from",
    "rebuild_rollups", "refill_open", "rollups_installed", "rollups_present", "row_tuples",
    "to_us", "us_day", "write_rows",
]  # fmt: skip

