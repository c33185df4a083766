"""Building a briefing of a center's subtree for one period from the database.

A daily summary (日小结) holds the day's flow by child center, kind and channel, the new
high-risk matters, the trail's escalations, 催办 and 通报, and the cameras' availability. A
periodic assessment (weekly, monthly, quarterly: 研判) holds the same over its period plus
the comparison with the previous period and the same period a year before, kinds and places
rising, repeat addresses and reporters, overdue matters by age, the risk grades' moves, each
包保 leader's open matters and the cameras' faults.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.briefings import baseline, cameras, flow, risk, trends
from dispatch.briefings.counts import few, flow_by
from dispatch.briefings.model import Briefing, Cell, CenterRef, Chart, Kind, Section, Table
from dispatch.briefings.narrative import narrative
from dispatch.briefings.periods import Period, period_of
from dispatch.kpi import compute_kpis
from dispatch.models import Case, Center
from dispatch.registry import center_by_path

#: KPI figures copied into the headline (same names and meanings as ``GET /api/kpis``).
HEADLINE_KPIS = (
    "reported",
    "accepted",
    "closed",
    "closed_on_time",
    "overdue",
    "due_to_close",
    "closure_rate",
    "on_time_rate",
    "closure_of_reported",
    "rework_rate",
    "satisfaction_broad_rate",
    "satisfaction_strict_rate",
    "open",
)


class Source:
    """Where :func:`generate` reads its figures: here, by queries on one center's subtree.
    :class:`dispatch.briefings.batch.Batch` answers the same questions for every center of a
    tree from a few grouped queries (the schedule's pass over all centers)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def center(self, path: str) -> Center:
        return center_by_path(self.session, path)

    def kpis(self, path: str, period: Period, now: datetime) -> dict[str, Any]:
        return compute_kpis(self.session, path, period.start_at(), period.end_at(), now=now)

    def flow(self, path: str, period: Period, now: datetime) -> dict[tuple[Any, ...], dict[str, int]]:
        """Reported, accepted, closed, overdue by (kind, channel)."""
        return flow_by(self.session, path, period.start_at(), period.end_at(), now,
                       [Case.kind, Case.channel])

    def new_high_risk(self, path: str, period: Period) -> Table:
        return risk.new_high_risk(self.session, path, period.start_at(), period.end_at())

    def supervision(self, path: str, period: Period) -> dict[str, int]:
        return risk.supervision_counts(self.session, path, period.start_at(), period.end_at())

    def escalations(self, path: str, period: Period, count: int) -> Table:
        return risk.escalations(self.session, path, period.start_at(), period.end_at(), count)

    def cameras(
        self, path: str, period: Period, now: datetime
    ) -> tuple[list[cameras.CameraDay], float]:
        return cameras.camera_seconds(self.session, path, period.start_at(), period.end_at(), now)

    def baseline(self, center: Center, period: Period, now: datetime) -> baseline.Baseline:
        return baseline.find_baseline(self.session, center.id, period.kind, period, now)

    def register(
        self, path: str, base: baseline.Baseline, now: datetime
    ) -> tuple[Table, baseline.Changes, dict[int, str]]:
        """The register, its changes since the baseline and the names of the centers of the
        matters that left it."""
        since = base.at
        trail = baseline.read_trail(self.session, path, since)
        moved = baseline.changes(
            trail, path, since, baseline.new_reported_count(self.session, few(path), since)
        )
        table = risk.register(self.session, path, since, now, moved.row_change)
        names = risk.center_names(
            self.session, {r[2] for r in moved.left[: baseline.LEFT_LIMIT]}
        )
        return table, moved, names


def generate(
    session: Session,
    center_path: str,
    kind: Kind | str,
    period_start: date,
    *,
    now: datetime | None = None,
    generated_by: str = "system",
    source: Source | None = None,
) -> Briefing:
    """The briefing of ``kind`` for the subtree of the center at ``center_path``, over the
    period holding local date ``period_start`` (a weekly briefing of any day of a week covers
    that Monday-to-Sunday week). Not stored: :func:`dispatch.briefings.store.save` does.
    ``source``: where the figures are read (by default, queries on this center's subtree).
    Raises NotFound for an unknown center."""
    now = now or datetime.now(UTC)
    src = source or Source(session)
    center = src.center(center_path)
    period = period_of(kind, period_start)
    p0, p1 = period.start_at(), period.end_at()
    kpis = src.kpis(center_path, period, now)
    headline: dict[str, Cell] = {k: kpis[k] for k in HEADLINE_KPIS}
    headline["high_risk_open"] = kpis["open_by_risk"]["high"]

    by_kind, by_channel = flow.by_kind_and_channel(src.flow(center_path, period, now))
    flow_tables = [flow.by_center(kpis), by_kind, by_channel]
    flow_charts = [
        Chart("by_center", "brief.chart.by_center", "by_center", "center", ("reported", "closed")),
        Chart("by_kind", "brief.chart.by_kind", "by_kind", "kind", ("reported",), "pie"),
    ]
    if period.kind != Kind.DAILY:
        flow_tables.append(flow.trend(kpis))
        flow_charts.append(
            Chart("trend", "brief.chart.trend", "trend", "day", ("reported", "closed"), "line")
        )

    high = src.new_high_risk(center_path, period)
    counts = src.supervision(center_path, period)
    cams, span = src.cameras(center_path, period, now)
    levels = cameras.by_level(cams, span)
    assert levels.total is not None
    base = src.baseline(center, period, now)
    register, moved, left_names = src.register(center_path, base, now)
    headline |= {
        "new_high_risk": len(high.rows),
        "escalations": counts["escalate"],
        "supervisions": counts["supervise"],
        "urges": counts["urge"],
        "notices": counts["notify"],
        "cameras": len(cams),
        "camera_availability": levels.total[-1],
        **{f"register_{k}": n for k, n in moved.counts.items()},
    }
    risk_tables = [
        high, register, baseline.changes_table(moved.counts),
        baseline.left_table(moved.left, left_names),
    ]
    camera_tables = [levels, cameras.worst(cams, span)]
    sections: list[Section] = []
    if period.kind != Kind.DAILY:
        prev = src.kpis(center_path, period.previous(), now)
        ago = src.kpis(center_path, period.year_ago(), now)
        sections.append(
            Section(
                "compare",
                "brief.section.compare",
                (trends.compare_counts(kpis, prev, ago), trends.compare_rates(kpis, prev, ago)),
            )
        )
        headline |= {
            "previous_reported": prev["reported"],
            "year_ago_reported": ago["reported"],
        }
    sections.append(Section("flow", "brief.section.flow", tuple(flow_tables), tuple(flow_charts)))
    if period.kind != Kind.DAILY:
        before = period.previous()
        b0, b1 = before.start_at(), before.end_at()
        kinds_now = flow.rollup(flow_by(session, center_path, p0, p1, now, [Case.kind]), 0)
        kinds_before = flow.rollup(flow_by(session, center_path, b0, b1, now, [Case.kind]), 0)
        sections.append(
            Section(
                "rising",
                "brief.section.rising",
                (
                    trends.rising_kinds(kinds_now, kinds_before),
                    trends.rising_grids(session, center_path, (p0, p1), (b0, b1)),
                    trends.rising_villages(session, center_path, (p0, p1), (b0, b1)),
                    trends.repeat_addresses(session, center_path, p0, p1),
                    trends.repeat_reporters(session, center_path, p0, p1),
                ),
                (Chart("rising_kinds", "brief.chart.rising_kinds", "rising_kinds", "kind",
                       ("this", "previous")),),
            )
        )
        risk_tables = [
            trends.risk_moves(session, center_path, p0, p1, now),
            *risk_tables,
            risk.leaders(session, center_path, now),
        ]
        sections.append(
            Section(
                "overdue",
                "brief.section.overdue",
                (trends.overdue_age(session, center_path, p0, p1, now),),
                (Chart("overdue_age", "brief.chart.overdue_age", "overdue_age", "age",
                       ("count",)),),
            )
        )
        camera_tables.append(cameras.faults(session, center_path, p0, p1, now))
    sections += [
        Section("risk", "brief.section.risk", tuple(risk_tables)),
        Section(
            "supervision",
            "brief.section.supervision",
            (risk.supervision_table(counts),
             src.escalations(center_path, period, counts["escalate"])),
        ),
        Section(
            "cameras",
            "brief.section.cameras",
            tuple(camera_tables),
            (Chart("camera_levels", "brief.chart.camera_levels", "camera_levels", "level",
                   ("availability",)),),
        ),
    ]
    rising = sections[2].tables[0] if period.kind != Kind.DAILY else None
    return Briefing(
        kind=period.kind,
        center=CenterRef(center.code, center.name, center.level, center.path),
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        generated_at=now.astimezone(UTC).isoformat(),
        headline=headline,
        sections=tuple(sections),
        narrative=narrative(period, center.level, headline, rising),
        generated_by=generated_by,
        extra={"baseline": base.to_dict()},
    )
