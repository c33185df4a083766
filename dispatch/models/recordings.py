"""The recordings index: segment files of each camera and the clips kept as case evidence
(see :mod:`dispatch.recordings`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from dispatch.models.columns import UtcDateTime


class RecordingSegment(Base):
    """One segment file: a camera's unbroken run of video between two instants. ``case_id``
    binds it to a case (a clip of it is evidence): retention never deletes it then."""

    __tablename__ = "recording_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(sa.String(64))
    #: The storage folder (``recording.storage[].path``) and the file's path below it.
    storage: Mapped[str] = mapped_column(sa.String(300))
    path: Mapped[str] = mapped_column(sa.String(300))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    codec: Mapped[str] = mapped_column(sa.String(16))
    #: Encoded by the recorder from the camera's pictures (WHIP, simulated), not copied.
    transcoded: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false(), default=False)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)

    __table_args__ = (
        sa.UniqueConstraint("storage", "path", name="uq_recording_segments_storage_path"),
        sa.Index("ix_recording_segments_camera_start", "camera_id", "start_at"),
    )


class RecordingClip(Base):
    """A clip cut from the recordings and kept as a case's evidence (its bytes are the
    attachment; the SHA-256 is on the case's trail)."""

    __tablename__ = "recording_clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachments.id"))
    camera_id: Mapped[str] = mapped_column(sa.String(64))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
