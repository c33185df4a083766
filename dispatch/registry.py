"""The center tree and its furniture in the database: import a deployment, look centers up.

:func:`import_deployment` upserts by code and never deletes (cases keep pointing at what they
referenced). It runs inside the caller's transaction, so a failure leaves nothing half-imported,
and a second import of the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.deployment import Deployment
from dispatch.errors import NotFound
from dispatch.models import Alert, AlertStep, Camera, Case, Center, Department, Grid, Unit
from dispatch.rollup import rebuild_rollups, rollups_present


@dataclass
class ImportSummary:
    """Rows created and updated per table; ``unchanged`` counts entries already up to date."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def _count(self, table: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[table] = target.get(table, 0) + 1


class _Table:
    """The rows of one registry table by key, upserted one entry at a time."""

    def __init__(
        self, session: Session, summary: ImportSummary, name: str, model: type[Any], key: str = "code"
    ) -> None:
        self.session, self.summary, self.name, self.model = session, summary, name, model
        self.rows: dict[str, Any] = {getattr(r, key): r for r in session.scalars(sa.select(model))}

    def __getitem__(self, key: str) -> Any:
        return self.rows[key]

    def get(self, key: str) -> Any:
        return self.rows.get(key)

    def upsert(self, key: str, **values: Any) -> Any:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = self.model(**values)
            self.session.add(row)
            self.summary._count(self.name, created=True)
            return row
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        if changed:
            self.summary._count(self.name, created=False)
        else:
            self.summary.unchanged += 1
        return row


def import_deployment(session: Session, deployment: Deployment) -> ImportSummary:
    """Upsert centers, grids, units, departments and cameras (never stream URLs)."""
    summary = ImportSummary()
    centers = _Table(session, summary, "centers", Center)
    moved: list[tuple[Center, str]] = []  # (center, its path before this import)
    for entry in sorted(deployment.centers, key=lambda c: c.level):
        parent = centers[entry.parent] if entry.parent else None
        if parent is not None and parent.id is None:
            session.flush()
        path = f"{parent.path}/{entry.code}" if parent else entry.code
        old = centers.get(entry.code)
        if old is not None and old.path != path:
            moved.append((old, old.path))
        centers.upsert(
            entry.code, code=entry.code, name=entry.name, level=entry.level,
            parent_id=parent.id if parent else None, path=path, lat=entry.lat, lon=entry.lon,
        )
    session.flush()
    _follow_moved_centers(session, moved)

    grids = _Table(session, summary, "grids", Grid)
    for g in deployment.grids:
        grids.upsert(
            g.code, code=g.code, name=g.name, center_id=centers[g.center].id,
            households=g.households, grid_workers=g.grid_workers, lat=g.lat, lon=g.lon,
        )
    session.flush()
    units = _Table(session, summary, "units", Unit)
    for u in deployment.units:
        units.upsert(
            u.code, code=u.code, grid_id=grids[u.grid].id, households=u.households, head=u.head
        )
    departments = _Table(session, summary, "departments", Department)
    for d in deployment.departments:
        departments.upsert(
            d.code, code=d.code, name=d.name, center_id=centers[d.center].id, mode=d.mode.value
        )
    cameras = _Table(session, summary, "cameras", Camera, "id")
    for c in deployment.cameras:
        cameras.upsert(
            c.id, id=c.id, name=c.name, center_id=centers[c.center].id,
            grid_id=grids[c.grid].id if c.grid else None, lat=c.lat, lon=c.lon, enabled=c.enabled,
        )
    session.flush()
    return summary


def _follow_moved_centers(session: Session, moved: Iterable[tuple[Center, str]]) -> None:
    """A center that changed parent takes its cases' denormalized path along, and its alerts
    (where they are, who was notified, their trail's centers)."""
    moved = list(moved)
    for center, before in moved:
        session.execute(
            sa.update(Case).where(Case.center_id == center.id).values(owning_path=center.path)
        )
        for column in (Alert.center_path, Alert.notified_path, AlertStep.center_path):
            session.execute(
                sa.update(column.class_).where(column == before).values({column.key: center.path})
            )
    # Bulk updates bypass the KPI counters' flush listener: recount once, in this transaction.
    if moved and rollups_present(session.connection()):
        rebuild_rollups(session)


def center_by_code(session: Session, code: str) -> Center:
    center = session.scalar(sa.select(Center).where(Center.code == code))
    if center is None:
        raise NotFound("center", code)
    return center


def center_by_path(session: Session, path: str) -> Center:
    code = path.rsplit("/", 1)[-1]
    center = center_by_code(session, code)
    if center.path != path:
        raise NotFound("center", path)
    return center


def children(session: Session, center: Center) -> list[Center]:
    return list(
        session.scalars(
            sa.select(Center).where(Center.parent_id == center.id).order_by(Center.code)
        )
    )


def subtree_filter(column: Any, path: str) -> sa.ColumnElement[bool]:
    """``column`` lies at ``path`` or below it: one indexed prefix query."""
    # Paths hold only digits and "/", so nothing needs escaping in the LIKE pattern.
    return sa.or_(column == path, column.like(path + "/%"))
