"""Camera availability over a period, from the status intervals the stream hub's reports
leave (``camera_status_intervals``): minutes online ÷ minutes expected, by level and for the
worst cameras, and the faults (offline or tampered spells) of the period.

Online means pictures arrive: ``online`` and ``degraded`` (late or slow frames, still
watchable). Expected minutes are the period's minutes up to ``now`` for every enabled camera
of the subtree; minutes without any recorded status (before the first report of a camera,
or a camera the hub never reported on) are ``unknown`` and count as not online, so a camera
cannot look available by saying nothing. :func:`record_interval` is called by
``dispatch.alerts.record_camera_status`` on every change of status.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.briefings.model import Cell, Column, Table
from dispatch.models import Camera, CameraStatusInterval, Center
from dispatch.registry import subtree_filter
from dispatch.types import CameraStatus

ONLINE = frozenset({CameraStatus.ONLINE.value, CameraStatus.DEGRADED.value})
FAULTS = frozenset({CameraStatus.OFFLINE.value, CameraStatus.TAMPERED.value})
WORST_LIMIT = 10


def record_interval(session: Session, camera_id: str, status: str, at: datetime) -> None:
    """Close the camera's open interval at ``at`` and open one in ``status``."""
    session.execute(
        sa.update(CameraStatusInterval)
        .where(CameraStatusInterval.camera_id == camera_id, CameraStatusInterval.ended_at.is_(None))
        .values(ended_at=at)
    )
    session.add(CameraStatusInterval(camera_id=camera_id, status=status, started_at=at))


@dataclass
class CameraDay:
    """One camera's seconds by status within the period (``unknown``: no report)."""

    id: str
    name: str
    center: str
    level: int
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    faults: int = 0  # offline or tampered spells that began in the period

    @property
    def online(self) -> float:
        return sum(v for k, v in self.seconds.items() if k in ONLINE)


def camera_seconds(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> tuple[list[CameraDay], float]:
    """Every enabled camera of the subtree with its seconds by status in ``[start, min(end,
    now))``, and that span's length in seconds (what each camera was expected to be online)."""
    cams, span = camera_days(session, scope, start, end, now)
    return [cam for cam, _ in cams], span


def camera_days(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime
) -> tuple[list[tuple[CameraDay, str]], float]:
    """:func:`camera_seconds` with each camera's center path, by camera id."""
    cut = min(end, now)
    span = max(0.0, (cut - start).total_seconds())
    cams = {
        cid: (CameraDay(cid, name, center, int(level)), path)
        for cid, name, center, level, path in session.execute(
            sa.select(Camera.id, Camera.name, Center.name, Center.level, Center.path)
            .join(Center, Camera.center_id == Center.id)
            .where(subtree_filter(Center.path, scope), Camera.enabled.is_(True))
            .order_by(Camera.id)
        ).all()
    }
    if span <= 0 or not cams:
        return list(cams.values()), span
    i = CameraStatusInterval
    rows = session.execute(
        sa.select(i.camera_id, i.status, i.started_at, i.ended_at)
        .join(Camera, Camera.id == i.camera_id)
        .join(Center, Camera.center_id == Center.id)
        .where(
            subtree_filter(Center.path, scope),
            i.started_at < cut,
            sa.or_(i.ended_at.is_(None), i.ended_at > start),
        )
        .order_by(i.camera_id, i.started_at, i.id)  # the same sums whatever the scope
    ).all()
    for cid, status, began, ended in rows:
        got = cams.get(cid)
        if got is None:
            continue
        cam = got[0]
        lo, hi = max(began, start), min(ended or cut, cut)
        if hi > lo:
            cam.seconds[status] += (hi - lo).total_seconds()
        if status in FAULTS and began >= start:
            cam.faults += 1
    for cam, _ in cams.values():
        known = sum(cam.seconds.values())
        if span - known > 0.5:
            cam.seconds["unknown"] += span - known
    return list(cams.values()), span


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def by_level(cams: list[CameraDay], span: float) -> Table:
    """Availability per level of the camera's center, and the total."""
    groups: dict[int, list[CameraDay]] = defaultdict(list)
    for cam in cams:
        groups[cam.level].append(cam)

    def row(level: Cell, group: list[CameraDay]) -> tuple[Cell, ...]:
        expected = span * len(group)
        online = sum(c.online for c in group)
        fault = sum(v for c in group for k, v in c.seconds.items() if k in FAULTS)
        unknown = sum(c.seconds.get("unknown", 0.0) for c in group)
        return (
            level, len(group), _minutes(expected), _minutes(online), _minutes(fault),
            _minutes(unknown), sum(c.faults for c in group), _rate(online, expected),
        )

    return Table(
        "camera_levels",
        "brief.table.camera_levels",
        (
            Column("level", "brief.col.level", "enum:level"),
            Column("cameras", "brief.col.cameras"),
            Column("expected_minutes", "brief.col.expected_minutes"),
            Column("online_minutes", "brief.col.online_minutes"),
            Column("fault_minutes", "brief.col.fault_minutes"),
            Column("unknown_minutes", "brief.col.unknown_minutes"),
            Column("faults", "brief.col.faults"),
            Column("availability", "brief.col.availability", "rate"),
        ),
        tuple(row(str(level), groups[level]) for level in sorted(groups)),
        row("", cams),
    )


def worst(cams: list[CameraDay], span: float, limit: int = WORST_LIMIT) -> Table:
    """The cameras least available in the period (ties: most faults, then id)."""
    ranked = sorted(cams, key=lambda c: (c.online, -c.faults, c.id))[:limit] if span else []
    return Table(
        "camera_worst",
        "brief.table.camera_worst",
        (
            Column("camera", "brief.col.camera_id", "text"),
            Column("name", "brief.col.camera", "text"),
            Column("center", "brief.col.center", "text"),
            Column("online_minutes", "brief.col.online_minutes"),
            Column("fault_minutes", "brief.col.fault_minutes"),
            Column("faults", "brief.col.faults"),
            Column("availability", "brief.col.availability", "rate"),
        ),
        tuple(
            (
                c.id, c.name, c.center, _minutes(c.online),
                _minutes(sum(v for k, v in c.seconds.items() if k in FAULTS)),
                c.faults, _rate(c.online, span),
            )
            for c in ranked
        ),
    )


def faults(
    session: Session, scope: str, start: datetime, end: datetime, now: datetime, limit: int = 50
) -> Table:
    """The period's faults: offline or tampered spells that began in it, longest first (a
    spell still lasting is measured up to the period's end or ``now``; its end is empty)."""
    i = CameraStatusInterval
    cut = min(end, now)
    rows = session.execute(
        sa.select(i.camera_id, Camera.name, Center.name, i.status, i.started_at, i.ended_at)
        .join(Camera, Camera.id == i.camera_id)
        .join(Center, Camera.center_id == Center.id)
        .where(
            subtree_filter(Center.path, scope),
            i.status.in_(sorted(FAULTS)),
            i.started_at >= start,
            i.started_at < cut,
        )
        .order_by(i.started_at)
    ).all()

    def length(began: datetime, ended: datetime | None) -> float:
        return ((ended or cut) - began).total_seconds()

    rows = sorted(rows, key=lambda r: -length(r[4], r[5]))[:limit]
    return Table(
        "camera_faults",
        "brief.table.camera_faults",
        (
            Column("camera", "brief.col.camera_id", "text"),
            Column("name", "brief.col.camera", "text"),
            Column("center", "brief.col.center", "text"),
            Column("status", "brief.col.status", "enum:camstatus"),
            Column("started_at", "brief.col.started_at", "datetime"),
            Column("ended_at", "brief.col.ended_at", "datetime"),
            Column("minutes", "brief.col.minutes"),
        ),
        tuple(
            (cid, name, center, status, began.isoformat(),
             ended.isoformat() if ended else None, _minutes(length(began, ended)))
            for cid, name, center, status, began, ended in rows
        ),
    )
