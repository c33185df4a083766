"""Duty alerts (see :mod:`dispatch.alerts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from dispatch.models.columns import UtcDateTime


class Alert(Base):
    """A duty alert. ``open_key`` equals ``dedup_key`` while the condition holds and is NULL
    once cleared, so a unique constraint keeps one open alert per condition."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(12))
    center_path: Mapped[str] = mapped_column(sa.String(64))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    camera_id: Mapped[str | None] = mapped_column(sa.ForeignKey("cameras.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    #: What the alert is about, for pages to word it in the viewer's language (see
    #: dashboard.alert_text); None on alerts raised before migration 0006.
    params: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    open_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_by: Mapped[str | None] = mapped_column(sa.String(64))
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.Index(
            "ix_alerts_center_path",
            "center_path",
            postgresql_ops={"center_path": "varchar_pattern_ops"},
        ),
    )
