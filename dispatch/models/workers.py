"""Stream workers and the camera leases they hold (see :mod:`dispatch.workers`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from dispatch.models.columns import UtcDateTime


class StreamWorker(Base):
    """A ``zongzhi worker`` process: where it serves pictures and until when it is alive."""

    __tablename__ = "stream_workers"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(200))
    #: Base URL of its picture routes (``/streams/{camera}.jpg`` …), as the app reaches it.
    url: Mapped[str] = mapped_column(sa.String(300))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Cameras it held at its last renewal.
    cameras: Mapped[int] = mapped_column(sa.Integer)


class CameraLease(Base):
    """Which worker holds a camera, until when. ``worker_id`` is None for a camera released
    (or never held); ``epoch`` grows at each new owner and fences the old one's writes."""

    __tablename__ = "camera_leases"

    camera_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    worker_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    url: Mapped[str | None] = mapped_column(sa.String(300))
    epoch: Mapped[int] = mapped_column(sa.Integer)
    acquired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
