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
    #: The authenticated principal's actor id (an account's username, ``token:<name>``).
    acked_by: Mapped[str | None] = mapped_column(sa.String(64))
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: What the acknowledging person wrote (plain text, shown as text).
    ack_note: Mapped[str | None] = mapped_column(sa.Text)
    #: How often the condition came back while the alert stayed open (a flapping camera).
    occurrences: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    #: Escalation (critical alerts, :mod:`dispatch.duty`): the center whose duty officer was
    #: last notified, how many steps were taken, and when the next one is due (None: no chain).
    notified_path: Mapped[str | None] = mapped_column(sa.String(64))
    escalation_step: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_step_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    __table_args__ = (
        sa.Index(
            "ix_alerts_center_path",
            "center_path",
            postgresql_ops={"center_path": "varchar_pattern_ops"},
        ),
    )


class AlertStep(Base):
    """One line of an alert's own trail: raised, notified, re-notified, escalated, acknowledged,
    re-opened, recurred, cleared. ``center_path`` is the center concerned (the one notified),
    ``person`` the duty officer notified or the acknowledging principal."""

    __tablename__ = "alert_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    step: Mapped[str] = mapped_column(sa.String(16))
    center_path: Mapped[str | None] = mapped_column(sa.String(64))
    person: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)


class DutyShift(Base):
    """Who is on duty at a center from ``starts_at`` to ``ends_at`` (值班表). ``role`` is
    ``duty_officer`` (值班员) or ``leader`` (带班领导); ``username`` names an account."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("centers.id"))
    username: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16), default="duty_officer")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_duty_shifts_center_time", "center_id", "starts_at"),)
