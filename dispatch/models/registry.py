"""The center tree and what hangs under it: centers, grids, 十联户 units, departments, people
and cameras (written by :func:`dispatch.registry.import_deployment`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db import Base
from dispatch.models.columns import UtcDateTime


class Center(Base):
    """A 综治中心 at level 1 (prefecture) to 4 (village)."""

    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(64))
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)

    parent: Mapped[Center | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Center]] = relationship(back_populates="parent")

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        # The pattern opclass lets PostgreSQL use the index for LIKE 'prefix/%' in any collation.
        sa.Index("ix_centers_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )


class Grid(Base):
    """A 网格 under a village (level-4) center."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    households: Mapped[int] = mapped_column(sa.Integer, default=0)
    grid_workers: Mapped[int] = mapped_column(sa.Integer, default=0)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)

    center: Mapped[Center] = relationship()


class Unit(Base):
    """A 十联户 unit (10–50 households) in a grid, with its 联户长."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    households: Mapped[int] = mapped_column(sa.Integer)
    head: Mapped[str] = mapped_column(sa.String(50))

    grid: Mapped[Grid] = relationship()


class Department(Base):
    """A department stationed at a center, resident (常驻) or rotating (轮驻)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    mode: Mapped[str] = mapped_column(sa.String(16))

    center: Mapped[Center] = relationship()


class Person(Base):
    """A grid worker, center staff member, department liaison or 联户长 (no accounts here)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    kind: Mapped[str] = mapped_column(sa.String(16))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))


class Camera(Base):
    """A camera in the registry. Stream URLs are secrets and live only in the config file."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"))
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    status_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    center: Mapped[Center] = relationship()
