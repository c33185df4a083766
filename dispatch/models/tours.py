"""Camera groups for wall tours (see :mod:`dispatch.tours`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db import Base
from dispatch.models.columns import UtcDateTime


class CameraGroup(Base):
    """A named, ordered set of cameras of one center that a wall can tour (轮巡分组)."""

    __tablename__ = "camera_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    #: Seconds each page of the tour stays on the wall.
    interval_s: Mapped[int] = mapped_column(sa.Integer)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    members: Mapped[list[CameraGroupMember]] = relationship(
        back_populates="group", order_by="CameraGroupMember.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (sa.UniqueConstraint("center_id", "name", name="uq_camera_groups_center_name"),)


class CameraGroupMember(Base):
    """One camera of a group, at its place in the tour."""

    __tablename__ = "camera_group_members"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("camera_groups.id", ondelete="CASCADE"), primary_key=True
    )
    camera_id: Mapped[str] = mapped_column(sa.ForeignKey("cameras.id"), primary_key=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    group: Mapped[CameraGroup] = relationship(back_populates="members")
