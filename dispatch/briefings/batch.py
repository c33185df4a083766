"""Every center's briefing of one period from a few grouped queries (the schedule's pass).

Generating the 1,129 daily summaries of a prefecture one center at a time runs some twenty
queries per center (the KPI answer, the breakdowns, the new high-risk matters, the trail, the
cameras, the register), about 25,000 statements, most of the time spent compiling and
sending them. :class:`Batch` asks each question once for the whole tree, grouped by the
holding center's path (``cases.owning_path``: a center's subtree is every path it prefixes),
and adds each group into the figures of the path's every ancestor in Python: four ancestors
at most, so the work grows with the cases of the period, not with cases × centers.

The figures are those of :class:`dispatch.briefings.generate.Source` (tested equal, center
by center): the same statements with the scope's filter widened to the root and the path
added to the grouping; lists (new high-risk matters, escalations, the register) keep the
statements' order and are cut to the same limits per center. KPI answers come from the
rollup table as ``dispatch.kpi.compute_kpis`` reads it (flow by scope and child, open cases
live); a database without rollups, or a period other than the batch's (an assessment's
previous period and year before), is answered one center at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch import kpi_raw
from dispatch.briefings import baseline, cameras, risk
from dispatch.briefings.counts import FLOW, few, flow_by
from dispatch.briefings.generate import Source
from dispatch.briefings.model import Kind, Table
from dispatch.briefings.periods import Period, period_of
from dispatch.kpi import DEFINITIONS, day_range, overdue_at_end, sum_open
from dispatch.kpi_figures import figures, open_counts
from dispatch.localtime import TZ
from dispatch.models import Case, Center
from dispatch.registry import center_by_path, subtree_filter
from dispatch.rollup import COUNTERS, N, day_date, day_number, kpi_daily, local_midnight
from dispatch.rollup import rollups_present as _rollups_present


class Batch(Source):
    """The figures of every center under ``root`` for the period of ``kind`` holding
    ``period_start``, read up front; :func:`dispatch.briefings.generate` takes it as its
    ``source`` for any of those centers."""

    def __init__(
        self, session: Session, root: str, kind: Kind | str, period_start: date, now: datetime
    ) -> None:
        super().__init__(session)
        self.root = root
        self.period = period_of(kind, period_start)
        self.now = now
        self.depth = root.count("/")
        top = center_by_path(session, root)
        self.centers: dict[str, Center] = {
            c.path: c
            for c in session.scalars(sa.select(Center).where(subtree_filter(Center.path, root)))
        }
        self.centers[top.path] = top
        self.names = {c.id: c.name for c in self.centers.values()}
        self.kids: dict[int, list[Center]] = defaultdict(list)
        for c in sorted(self.centers.values(), key=lambda c: c.code):
            if c.parent_id is not None:
                self.kids[c.parent_id].append(c)
        p0, p1 = self.period.start_at(), self.period.end_at()
        self._kpis = self._read_kpis() if _rollups_present(session.connection()) else None
        self._flow = self._read_flow(p0, p1)
        self._high = self._spread(session.execute(
            risk.new_high_risk_query(subtree_filter(Case.owning_path, root), p0, p1)
        ).all(), path_at=-1)
        self._supervision: dict[str, dict[str, int]] = defaultdict(dict)
        for path, action, n in session.execute(
            risk.supervision_query(subtree_filter(Case.owning_path, root), p0, p1, Case.owning_path)
        ):
            for a in self._up(path):
                got = self._supervision[a]
                got[action] = got.get(action, 0) + int(n)
        self._escalations = self._spread(session.execute(
            risk.escalations_query(subtree_filter(Case.owning_path, root), p0, p1)
        ).all(), path_at=-1, limit=risk.LIST_LIMIT)
        self._cameras, self._span = self._read_cameras(p0, p1)
        self._read_register()

    # -- distributing rows over the tree -------------------------------------------------

    def _up(self, path: str) -> Iterator[str]:
        """``path`` and its ancestors down to the root."""
        parts = path.split("/")
        for i in range(len(parts), self.depth, -1):
            yield "/".join(parts[:i])

    def _spread(
        self, rows: Iterable[Any], path_at: int, limit: int | None = None
    ) -> dict[str, list[Any]]:
        """Rows (in order) listed under their path's every ancestor, at most ``limit`` each."""
        out: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            for a in self._up(row[path_at]):
                got = out[a]
                if limit is None or len(got) < limit:
                    got.append(row)
        return out

    def _mine(self, path: str, period: Period) -> bool:
        return period == self.period and path in self.centers

    # -- KPI answers -----------------------------------------------------------------------

    def _read_kpis(self) -> dict[str, dict[str, Any]]:
        """``compute_kpis`` of every center for the batch's period, from grouped reads of the
        rollup table and of the open cases."""
        s, now = self.session, self.now
        d0, d1 = day_range(self.period.start_at(), self.period.end_at())
        period_end = local_midnight(d1)
        cut = min(now, period_end)
        k = kpi_daily.c
        inside = subtree_filter(k.scope, self.root)
        days = (k.day >= day_date(d0), k.day < day_date(d1))
        flow: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for scope, child, *v in s.execute(
            sa.select(k.scope, k.child, *(sa.func.sum(k[n]) for n in COUNTERS))
            .where(inside, *days)
            .group_by(k.scope, k.child)
        ):
            flow[scope][child] = [int(x or 0) for x in v]
        trend: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
        if self.period.kind != Kind.DAILY:
            for scope, day, r, c in s.execute(
                sa.select(k.scope, k.day, sa.func.sum(k.reported), sa.func.sum(k.closed))
                .where(inside, *days)
                .group_by(k.scope, k.day)
            ):
                trend[scope][day_number(day)] = (int(r or 0), int(c or 0))
        groups = self._spread(kpi_raw.open_groups(s, self.root, cut), path_at=0)
        at_end: dict[str, dict[str, int]] = defaultdict(dict)
        finished = period_end <= now
        if finished:
            for scope, child, n in s.execute(
                sa.select(k.scope, k.child, sa.func.sum(k.overdue_in) - sa.func.sum(k.overdue_out))
                .where(inside, k.day < day_date(d1))
                .group_by(k.scope, k.child)
            ):
                if n:
                    at_end[scope][child] = int(n)
        out: dict[str, dict[str, Any]] = {}
        for path, center in self.centers.items():
            mine = flow.get(path, {})
            opened = open_counts(groups.get(path, ()), path)
            if finished:
                overdue_at_end(opened, at_end.get(path, {}))
            children = [
                {"code": c.code, "name": c.name, "level": c.level, "own": False}
                | figures(mine.get(c.code, [0] * N), opened.get(c.code))
                for c in self.kids.get(center.id, ())
            ]
            if any(mine.get("", ())) or opened.get(""):
                own = figures(mine.get("", [0] * N), opened.get(""))
                children.append(
                    {"code": center.code, "name": center.name, "level": center.level, "own": True}
                    | own
                )
            total = [sum(v[i] for v in mine.values()) for i in range(N)]
            days_of = trend.get(path, {})
            out[path] = {
                "scope": path,
                "center": {"code": center.code, "name": center.name, "level": center.level},
                "from": local_midnight(d0).isoformat(),
                "to": period_end.isoformat(),
                "now": now.isoformat(),
                "timezone": TZ.name,
                "as_of_period_end": finished,
                "definitions": DEFINITIONS,
                **figures(total, sum_open(opened)),
                "children": children,
                "trend": [
                    {"day": day_date(d).isoformat(), "reported": r, "closed": c}
                    for d in range(d0, d1)
                    for r, c in [days_of.get(d, (0, 0))]
                ],
            }
        return out

    def _read_flow(self, p0: datetime, p1: datetime) -> dict[str, dict[tuple[Any, ...], dict[str, int]]]:
        rows = flow_by(self.session, self.root, p0, p1, self.now,
                       [Case.owning_path, Case.kind, Case.channel])
        out: dict[str, dict[tuple[Any, ...], dict[str, int]]] = defaultdict(dict)
        for (path, *key), counts in rows.items():
            for a in self._up(path):
                row = out[a].setdefault(tuple(key), dict.fromkeys(FLOW, 0))
                for f in FLOW:
                    row[f] += counts[f]
        return out

    def _read_cameras(
        self, p0: datetime, p1: datetime
    ) -> tuple[dict[str, list[cameras.CameraDay]], float]:
        cams, span = cameras.camera_days(self.session, self.root, p0, p1, self.now)
        out: dict[str, list[cameras.CameraDay]] = defaultdict(list)
        for cam, path in cams:
            for a in self._up(path):
                out[a].append(cam)
        return out, span

    def _read_register(self) -> None:
        """The open matters graded 高 or 中 (the first :data:`risk.REGISTER_LIMIT` under each
        center, and how many of each center's were reported since its baseline), every
        center's baseline and the trail since the earliest one."""
        s = self.session
        by_id = baseline.find_baselines(
            s, [c.id for c in self.centers.values()], self.period.kind, self.period, self.now
        )
        self._baselines = {path: by_id[c.id] for path, c in self.centers.items()}
        since = {path: b.at for path, b in self._baselines.items()}
        self._register: dict[str, list[Any]] = defaultdict(list)
        self._new_reported: dict[str, int] = defaultdict(int)
        for row in s.execute(risk.register_query(few(self.root))):
            reported, path = row[7], row[9]
            for a in self._up(path):
                got = self._register[a]
                if len(got) < risk.REGISTER_LIMIT:
                    got.append(row)
                if reported >= since[a]:
                    self._new_reported[a] += 1
        trail = baseline.read_trail(s, self.root, min(since.values()))
        self._trail: dict[str, baseline.Trail] = defaultdict(baseline.Trail)
        for r in trail.regrades:
            for a in self._up(r[3]):
                self._trail[a].regrades.append(r)
        for r in trail.exits:
            for a in self._up(r[2]):
                self._trail[a].exits.append(r)

    # -- the Source's answers ----------------------------------------------------------------

    def center(self, path: str) -> Center:
        return self.centers[path] if path in self.centers else super().center(path)

    def kpis(self, path: str, period: Period, now: datetime) -> dict[str, Any]:
        if self._kpis is not None and self._mine(path, period) and now == self.now:
            return self._kpis[path]
        return super().kpis(path, period, now)

    def flow(self, path: str, period: Period, now: datetime) -> dict[tuple[Any, ...], dict[str, int]]:
        if self._mine(path, period) and now == self.now:
            return self._flow.get(path, {})
        return super().flow(path, period, now)

    def new_high_risk(self, path: str, period: Period) -> Table:
        if self._mine(path, period):
            return risk.new_high_risk_table(self._high.get(path, []), self.names)
        return super().new_high_risk(path, period)

    def supervision(self, path: str, period: Period) -> dict[str, int]:
        if self._mine(path, period):
            got = self._supervision.get(path, {})
            return {a: got.get(a, 0) for a in risk.SUPERVISION_ACTIONS}
        return super().supervision(path, period)

    def escalations(self, path: str, period: Period, count: int) -> Table:
        if self._mine(path, period):
            return risk.escalations_table(self._escalations.get(path, []))
        return super().escalations(path, period, count)

    def cameras(
        self, path: str, period: Period, now: datetime
    ) -> tuple[list[cameras.CameraDay], float]:
        if self._mine(path, period) and now == self.now:
            return list(self._cameras.get(path, [])), self._span
        return super().cameras(path, period, now)

    def baseline(self, center: Center, period: Period, now: datetime) -> baseline.Baseline:
        if self._mine(center.path, period) and now == self.now:
            return self._baselines[center.path]
        return super().baseline(center, period, now)

    def register(
        self, path: str, base: baseline.Baseline, now: datetime
    ) -> tuple[Table, baseline.Changes, dict[int, str]]:
        if path not in self.centers or now != self.now or base != self._baselines[path]:
            return super().register(path, base, now)
        since = base.at
        moved = baseline.changes(
            self._trail.get(path, baseline.Trail()), path, since, self._new_reported.get(path, 0)
        )
        table = risk.register_table(self._register.get(path, []), self.names, since, now,
                                    moved.row_change)
        return table, moved, self.names
