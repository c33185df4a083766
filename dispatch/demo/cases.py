"""A year of cases over the generated prefecture, following the workflow step by step.

Each case draws a kind (with its season), a village (by population), a channel, a risk and
the level that will settle it; its history is laid out from the report to the archive with
durations scaled to its SLA deadline (most well inside it, a few late, some extended or
suspended, some returned, reworked or redone after a 不满意 visit), then cut at ``now``.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dispatch.demo import mix
from dispatch.demo.details import (
    CHANNEL_LABEL,
    external_id,
    intake_details,
    reporter_actor,
)
from dispatch.demo.flow import play
from dispatch.demo.geography import Geography
from dispatch.demo.places import Deadlines, Registry, cumulative
from dispatch.demo.timeline import Trail, iso
from dispatch.desk.search_index import compose
from dispatch.effects import CLEARED_ON_REPORT
from dispatch.localtime import TZ
from dispatch.rollup import US, Facts, day_date, local_day
from dispatch.sla import Sla
from dispatch.types import CaseKind, Channel, Complexity
from dispatch.types import CaseState as S

DAY = 86400
HOUR = 3600
CHUNK = 10_000


@dataclass
class Chunk:
    cases: list[dict[str, Any]] = field(default_factory=list)
    orders: list[list[Any]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    escalations: list[tuple[int, int, int]] = field(default_factory=list)
    facts: list[Facts] = field(default_factory=list)


def _us(epoch: int | None) -> int | None:
    return None if epoch is None else epoch * US


class CaseFactory:
    def __init__(
        self, geo: Geography, sla: Sla, seed: int, now: int, count: int, trail: bool = True
    ) -> None:
        self.trail = trail
        self.rng = random.Random(f"cases:{seed}")
        # Intake details draw from their own stream: the cases' workflow stays as it was.
        self.detail_rng = random.Random(f"case-details:{seed}")
        self.reg = Registry(geo.deployment)
        self.deadlines = Deadlines(sla)
        self.now, self.count = now, count
        villages = sorted(geo.village_weight)
        self.villages = villages
        self.village_cum = cumulative([geo.village_weight[v] for v in villages])
        self.grids = geo.village_grids
        self.chains = {v: self.reg.chain(v) for v in villages}
        self.kinds = list(mix.KINDS)
        self.kind_cum = [
            cumulative([mix.KINDS[k][0] * mix.KINDS[k][1][m] for k in self.kinds]) for m in range(12)
        ]
        self.titles = {
            k: ([t for t, _ in v], cumulative([w for _, w in v])) for k, v in mix.TITLES.items()
        }
        self.channel_cum = {k: cumulative(w) for k, w in mix.CHANNEL_WEIGHTS.items()}
        self.risk_cum = {k: cumulative(w) for k, w in mix.RISK_WEIGHTS.items()}
        self.level_cum = {k: cumulative(w) for k, w in mix.LEVEL_WEIGHTS.items()}
        self.hour_cum = cumulative(mix.HOURS)
        self.last_in_village: dict[str, tuple[int, str]] = {}
        self.next_order = 1
        self.next_event = 1
        self.events_played = 0

    def pick(self, items: list[Any] | tuple[Any, ...], cum: list[float]) -> Any:
        return items[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    # -- when --------------------------------------------------------------------------

    def report_times(self) -> Iterator[int]:
        """``count`` report times over the 365 local days ending with today's, in order."""
        last = local_day(self.now)
        days = list(range(last - 364, last + 1))
        cal = self.deadlines.sla.calendar
        off = cal._off  # holidays lower walk-ins and grid reports
        weights = []
        for d in days:
            dd = day_date(d)
            w = mix.WEEKDAY[dd.weekday()] * (mix.HOLIDAY if dd in off else 1.0)
            weights.append(
                w * sum(mix.KINDS[k][0] * mix.KINDS[k][1][dd.month - 1] for k in self.kinds)
            )
        # Today counts only the hours gone by.
        midnight_today = last * DAY - TZ.offset
        elapsed = (self.now - midnight_today) / HOUR
        done = sum(w * min(1.0, max(0.0, elapsed - h)) for h, w in enumerate(mix.HOURS))
        weights[-1] *= done / sum(mix.HOURS)
        total = sum(weights)
        counts = [int(self.count * w / total) for w in weights]
        for i in range(self.count - sum(counts)):
            counts[-1 - (i * 37 + 1) % len(counts)] += 1
        for d, n in zip(days, counts, strict=True):
            midnight = d * DAY - TZ.offset
            times = []
            while len(times) < n:
                t = midnight + self.pick(range(24), self.hour_cum) * HOUR + self.rng.randrange(HOUR)
                if t < self.now - 60 or d != last:
                    times.append(t)
                elif elapsed < 0.1:  # just after midnight: squeeze into the minutes gone by
                    times.append(midnight + self.rng.randrange(max(1, self.now - 60 - midnight)))
            times.sort()
            yield from times

    # -- the whole set ------------------------------------------------------------------

    def chunks(self, size: int = CHUNK) -> Iterator[Chunk]:
        chunk = Chunk()
        for cid, t0 in enumerate(self.report_times(), start=1):
            case, trail = self.one(cid, t0)
            chunk.cases.append(case)
            chunk.orders.extend(trail.orders)
            base = self.next_event
            chunk.events.extend((base + i, *e) for i, e in enumerate(trail.events))
            chunk.escalations.extend(trail.escalations)
            self.next_event += len(trail.events)
            self.events_played += trail.n
            self.next_order = trail.next_order
            chunk.facts.append(
                Facts(
                    case["owning_path"], case["state"], case["reported_at"] * US,
                    _us(case["accepted_at"]), _us(case["closed_at"]), _us(case["due_at"]),
                    case["paused_seconds"], case["rework_count"], case["extension_count"],
                    case["redo_count"], case["satisfaction"], case["handled_level"],
                    _us(case["resolved_at"]), _us(case["suspended_at"]),
                    order_count=case["order_count"], return_count=case["return_count"],
                )
            )  # fmt: skip
            if len(chunk.cases) >= size:
                yield chunk
                chunk = Chunk()
        if chunk.cases:
            yield chunk

    # -- one case ------------------------------------------------------------------------

    def one(self, cid: int, t0: int) -> tuple[dict[str, Any], Trail]:
        rng = self.rng
        month = day_date(local_day(t0)).month - 1
        kind: CaseKind = self.pick(self.kinds, self.kind_cum[month])
        titles, tcum = self.titles[kind]
        title_kind = self.pick(titles, tcum)
        village = self.pick(self.villages, self.village_cum)
        chain = self.chains[village]
        grid = rng.choice(self.grids[village])
        channel: Channel = self.pick(mix.CHANNELS, self.channel_cum[kind])
        risk = self.pick(("high", "medium", "low"), self.risk_cum[kind])
        policy = self.deadlines.sla.policy
        complexity = None
        if policy.complexity_for(kind, risk) == policy.default_complexity:
            r = rng.random()
            if r < mix.SIMPLE_SHARE:
                complexity = Complexity.SIMPLE.value
            elif r < mix.SIMPLE_SHARE + mix.COMPLEX_SHARE:
                complexity = Complexity.COMPLEX.value
        levels, lw = zip(*mix.RECEIVED_AT[channel], strict=True)
        received = chain[self.pick(levels, cumulative(lw))]
        settle = self.pick((4, 3, 2, 1), self.level_cum[kind])
        due = self.deadlines.due(kind, risk, t0, complexity)
        leader = plan = None
        if risk == "high":
            leader = f"{chain[min(received.level, 3)].name.removesuffix('综治中心')}包保领导"
            plan = f"一案一策：{title_kind}稳控化解方案（专班跟进、每日研判）"
        lat, lon = self.reg.grid_pos[grid]
        county = received.path.split("/")[1] if received.level > 1 else received.code
        local = day_date(local_day(t0))
        external = external_id(channel, local, cid)
        reporter = reporter_actor(channel, grid, received.code)
        village_name = chain[4].name.removesuffix("综治中心")
        reporter_name, phone, address = intake_details(self.detail_rng, chain, channel, reporter)
        cols: dict[str, Any] = {
            "id": cid,
            "number": f"ZZ-{county}-{local:%Y%m%d}-{cid:06d}",
            "title": f"{village_name}{title_kind}",
            "description": f"{village_name}{title_kind}，经{CHANNEL_LABEL[channel]}上报。",
            "kind": kind.value,
            "complexity": complexity,
            "channel": channel.value,
            "source": channel.value if external else None,
            "external_id": external,
            "risk": risk,
            "state": None,
            "center_id": received.id,
            "owning_path": received.path,
            "reported_center_id": received.id,
            "grid_id": self.reg.grid_ids[grid],
            "camera_id": None,
            "lat": round((lat or 23.4) + rng.uniform(-0.002, 0.002), 6),
            "lon": round((lon or 104.2) + rng.uniform(-0.002, 0.002), 6),
            "reporter": reporter_name,
            "address": address,
            "unit_id": self.reg.unit_ids.get(grid),
            "reporter_phone": phone,
            "sub_kind": mix.TITLE_SUB_KIND[title_kind].value,
            "search_text": "",
            "reported_at": t0,
            "due_at": due,
            **CLEARED_ON_REPORT,
            "leader": leader,
            "plan": plan,
            "event_count": 0,
            "version": 1,
        }
        trail = Trail(cid, self.now, cols, self.next_order, self.trail)
        trail.emit(
            t0, reporter, "report", S.REPORTED,
            {
                "center_id": received.id, "center": received.code, "owning_path": received.path,
                "risk": risk, "complexity": complexity, "due_at": iso(due), "leader": leader,
                "plan": plan, "channel": channel.value,
            },
        )  # fmt: skip
        previous = self.last_in_village.get(village)
        play(self, trail, kind, received, settle, chain, t0, previous)
        cols["version"] = max(1, cols["event_count"])
        cols["search_text"] = compose(
            cols["number"],
            cols["title"],
            cols["description"],
            reporter_name,
            phone,
            address,
            self.reg.grid_names[grid],
        )
        if cols["state"] != S.MERGED:
            self.last_in_village[village] = (cid, cols["number"])
        return cols, trail


def lognormal_hours(rng: random.Random, median: float, sigma: float) -> int:
    return int(rng.lognormvariate(math.log(median), sigma) * HOUR)
