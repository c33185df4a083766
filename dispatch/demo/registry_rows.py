"""The demo prefecture's registry written in bulk: centers, grids, units, departments, people."""

from __future__ import annotations

import random
from collections import Counter

from dispatch.demo.geography import Geography
from dispatch.demo.names import person_name
from dispatch.demo.places import Registry
from dispatch.demo.summary import DemoSummary
from dispatch.demo.writer import BulkWriter
from dispatch.types import PersonKind

#: Staff per center by level (prefecture … village).
STAFF = {1: 30, 2: 12, 3: 5, 4: 2}


def registry_rows(geo: Geography, seed: int, writer: BulkWriter, summary: DemoSummary) -> None:
    """Centers, grids, units, departments and people with the ids the case generator uses."""
    dep = geo.deployment
    reg = Registry(dep)
    ids = {code: p.id for code, p in reg.centers.items()}
    writer.write(
        "centers",
        ("id", "code", "name", "level", "parent_id", "path", "lat", "lon"),
        [
            (
                p.id,
                p.code,
                p.name,
                p.level,
                ids.get(c.parent) if c.parent else None,
                p.path,
                c.lat,
                c.lon,
            )
            for c in dep.centers
            for p in [reg.centers[c.code]]
        ],
    )
    grid_ids = reg.grid_ids
    writer.write(
        "grids",
        ("id", "code", "name", "center_id", "households", "grid_workers", "lat", "lon"),
        [
            (
                grid_ids[g.code],
                g.code,
                g.name,
                ids[g.center],
                g.households,
                g.grid_workers,
                g.lat,
                g.lon,
            )
            for g in dep.grids
        ],
    )
    writer.write(
        "units",
        ("id", "code", "grid_id", "households", "head"),
        [
            (i, u.code, grid_ids[u.grid], u.households, u.head)
            for i, u in enumerate(dep.units, start=1)
        ],
    )
    writer.write(
        "departments",
        ("id", "code", "name", "center_id", "mode"),
        [
            (i, d.code, d.name, ids[d.center], d.mode.value)
            for i, d in enumerate(dep.departments, start=1)
        ],
    )
    rng = random.Random(f"people:{seed}")
    people: list[tuple[object, ...]] = []
    for g in dep.grids:
        for _ in range(g.grid_workers):
            people.append(
                (
                    person_name(rng),
                    PersonKind.GRID_WORKER.value,
                    ids[g.center],
                    grid_ids[g.code],
                    None,
                )
            )
    for c in dep.centers:
        for _ in range(STAFF[c.level]):
            people.append((person_name(rng), PersonKind.STAFF.value, ids[c.code], None, None))
    for i, d in enumerate(dep.departments, start=1):
        people.append((person_name(rng), PersonKind.LIAISON.value, ids[d.center], None, i))
    writer.write(
        "people",
        ("id", "name", "kind", "center_id", "grid_id", "department_id"),
        [(i, *p) for i, p in enumerate(people, start=1)],
    )
    summary.centers = dict(sorted(Counter(c.level for c in dep.centers).items()))
    summary.grids, summary.units = len(dep.grids), len(dep.units)
    summary.departments, summary.people = len(dep.departments), len(people)
