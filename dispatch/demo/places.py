"""The generated deployment as the case generator reads it: centers as places with the ids
the writer gives them, departments and grids by code, and SLA deadlines on epoch seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from config.deployment import Deployment
from dispatch.localtime import TZ
from dispatch.rollup import day_date, local_day
from dispatch.sla import Sla
from dispatch.types import Complexity

DAY = 86400
HOUR = 3600


@dataclass(frozen=True)
class Place:
    code: str
    id: int
    path: str
    level: int
    name: str


class Registry:
    """Ids and lookups of the generated deployment (ids follow the deployment's order)."""

    def __init__(self, deployment: Deployment) -> None:
        self.centers: dict[str, Place] = {}
        paths: dict[str, str] = {}
        for i, c in enumerate(deployment.centers, start=1):
            path = f"{paths[c.parent]}/{c.code}" if c.parent else c.code
            paths[c.code] = path
            self.centers[c.code] = Place(c.code, i, path, c.level, c.name)
        self.departments: dict[str, dict[str, tuple[int, str]]] = {}
        for i, d in enumerate(deployment.departments, start=1):
            key = d.code.rsplit("-", 1)[1]
            self.departments.setdefault(d.center, {})[key] = (i, d.code)
        self.grid_ids = {g.code: i for i, g in enumerate(deployment.grids, start=1)}
        self.grid_pos = {g.code: (g.lat, g.lon) for g in deployment.grids}
        self.grid_names = {g.code: g.name for g in deployment.grids}
        self.unit_ids: dict[str, int] = {}
        for i, u in enumerate(deployment.units, start=1):
            self.unit_ids.setdefault(u.grid, i)

    def chain(self, village: str) -> dict[int, Place]:
        """The village's centers by level (1 prefecture … 4 village)."""
        codes = self.centers[village].path.split("/")
        return {self.centers[c].level: self.centers[c] for c in codes}


def cumulative(weights: tuple[float, ...] | list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class Deadlines:
    """:meth:`dispatch.sla.Sla.deadline` on epoch seconds, memoised per local date."""

    def __init__(self, sla: Sla) -> None:
        self.sla = sla
        self._cache: dict[tuple[int, int], int] = {}

    def working_days(self, complexity: Complexity) -> int | None:
        return self.sla.policy.deadlines[complexity].working_days

    def due(self, kind: str, risk: str, reported: int, complexity: str | None) -> int:
        c = self.sla.policy.complexity_for(kind, risk, complexity)
        rule = self.sla.policy.deadlines[c]
        if rule.hours is not None:
            return reported + int(rule.hours * HOUR)
        return self._end_after(local_day(reported), rule.working_days or 1)

    def _end_after(self, day: int, n: int) -> int:
        key = (day, n)
        end = self._cache.get(key)
        if end is None:
            target = self.sla.calendar.add_working_days(day_date(day), n)
            end = self._cache[key] = midnight_after(target)
        return end

    def extend(self, due: int, days: int) -> int:
        """:meth:`dispatch.sla.Sla.extend` for deadlines at local midnight."""
        return self._end_after(local_day(due - 1), days)


def midnight_after(day: date) -> int:
    return (
        (day + timedelta(days=1)).toordinal() - date(1970, 1, 1).toordinal()
    ) * DAY - TZ.offset
