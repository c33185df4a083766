"""Stored briefings (日小结 / 周研判) and the camera status intervals their availability
figures are computed from (migration 0015)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from dispatch.models.columns import JsonDict, UtcDateTime


class BriefingRecord(Base):
    """A briefing of one center for one period: a draft (regenerated on demand and by the
    schedule) or signed (``body`` frozen: the JSON of ``dispatch.briefings.Briefing`` as it
    was signed; later case changes never rewrite it). One per center, kind and period."""

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"))
    center_path: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(12))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(8))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    generated_by: Mapped[str] = mapped_column(sa.String(64))
    signed_by: Mapped[str | None] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    body: Mapped[dict[str, Any]] = mapped_column(JsonDict)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("center_id", "kind", "period_start", name="uq_briefings_center_period"),
        sa.Index(
            "ix_briefings_center_path_period",
            "center_path",
            "period_start",
            postgresql_ops={"center_path": "varchar_pattern_ops"},
        ),
    )


class CameraStatusInterval(Base):
    """A span of one camera in one status, as the stream hub reported it: ``ended_at`` is
    NULL for the current status. Written by ``dispatch.alerts.record_camera_status``."""

    __tablename__ = "camera_status_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(sa.ForeignKey("cameras.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.Index("ix_camera_status_intervals_camera_started", "camera_id", "started_at"),
        sa.Index("ix_camera_status_intervals_ended_at", "ended_at"),
    )
