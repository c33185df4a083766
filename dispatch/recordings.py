"""The recordings index: which video exists for which camera and when, and clips kept as a
case's evidence.

The stream side writes the files; this module only records them (:func:`index_segment`),
answers what exists (:func:`segments_between`, :func:`timeline`), forgets what retention
deleted (:func:`forget`), and turns a cut clip into a case attachment with its SHA-256 on
the trail (:func:`keep_clip`), binding the segments it came from to the case so retention
never deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.api.uploads import Photo, store
from dispatch.consultation import audit
from dispatch.errors import Forbidden, NotFound
from dispatch.models import Attachment, Camera, Case, Center, RecordingClip, RecordingSegment
from dispatch.permissions import can_see
from dispatch.principal import Principal


@dataclass(frozen=True)
class SegmentRecord:
    """A finished segment as the recorder reports it (epoch seconds)."""

    camera_id: str
    storage: str
    path: str  # below ``storage``
    start: float
    end: float
    size: int
    codec: str
    transcoded: bool = False  # encoded by the recorder (a camera without packets)


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def index_segment(session: Session, seg: SegmentRecord) -> RecordingSegment:
    """Add a segment to the index (once: the same file reported again is the same row)."""
    row = session.scalar(sa.select(RecordingSegment).where(
        RecordingSegment.storage == seg.storage, RecordingSegment.path == seg.path))
    if row is not None:
        return row
    row = RecordingSegment(camera_id=seg.camera_id, storage=seg.storage, path=seg.path,
                           start_at=_utc(seg.start), end_at=_utc(seg.end), size=seg.size,
                           codec=seg.codec[:16], transcoded=seg.transcoded)
    session.add(row)
    session.flush()
    return row


def segments_between(session: Session, camera_id: str, start: datetime, end: datetime) -> list[RecordingSegment]:
    """A camera's segments overlapping ``[start, end]``, oldest first."""
    return list(session.scalars(
        sa.select(RecordingSegment)
        .where(RecordingSegment.camera_id == camera_id, RecordingSegment.start_at < end,
               RecordingSegment.end_at > start)
        .order_by(RecordingSegment.start_at)
    ))


def timeline(session: Session, camera_ids: list[str], start: datetime, end: datetime) -> dict[str, list[RecordingSegment]]:
    """Camera id → its segments overlapping the interval (what the playback timeline shows)."""
    return {cam: segments_between(session, cam, start, end) for cam in camera_ids}


def stored(session: Session, storage: str) -> list[RecordingSegment]:
    """Every segment of one storage folder (for retention)."""
    return list(session.scalars(sa.select(RecordingSegment).where(RecordingSegment.storage == storage)))


def known_paths(session: Session, storage: str) -> set[str]:
    return set(session.scalars(sa.select(RecordingSegment.path).where(RecordingSegment.storage == storage)))


def forget(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(sa.delete(RecordingSegment).where(RecordingSegment.id.in_(ids)))


def camera_in_scope(session: Session, principal: Principal, camera_id: str) -> Camera:
    """The camera if ``principal`` sees its center (NotFound / Forbidden otherwise)."""
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound("camera", camera_id)
    center = session.get(Center, camera.center_id)
    if center is None or not principal.sees(center.path):
        raise Forbidden(f"camera {camera_id} is outside your center")
    return camera


def keep_clip(
    session: Session, principal: Principal, case: Case, camera_id: str, *, data: bytes,
    start: float, end: float, data_dir: Path, now: datetime | None = None,
) -> RecordingClip:
    """Keep an MP4 clip of ``camera_id`` as evidence of ``case``: stored by hash as an
    attachment, noted on the trail (``clip``: camera, interval, attachment, SHA-256), and the
    segments it was cut from bound to the case (retention keeps them)."""
    if not can_see(session, principal, case):
        raise Forbidden(f"case {case.number} is not yours to see")
    camera = camera_in_scope(session, principal, camera_id)
    now = now or datetime.now(UTC)
    name = f"录像-{case.number}-{camera.id}-{_utc(start):%Y%m%dT%H%M%SZ}.mp4"
    clip_file = Photo(name, "video/mp4", data)
    attachment = Attachment(
        case_id=case.id, filename=name, content_type="video/mp4", size=len(data),
        sha256=clip_file.sha256, stored_path=store(data_dir, clip_file), created_at=now,
        created_by=principal.actor[:64],
    )
    session.add(attachment)
    session.flush()
    clip = RecordingClip(case_id=case.id, attachment_id=attachment.id, camera_id=camera.id,
                         start_at=_utc(start), end_at=_utc(end), sha256=clip_file.sha256,
                         created_by=principal.actor[:64], created_at=now)
    session.add(clip)
    session.execute(
        sa.update(RecordingSegment)
        .where(RecordingSegment.camera_id == camera.id, RecordingSegment.start_at < _utc(end),
               RecordingSegment.end_at > _utc(start), RecordingSegment.case_id.is_(None))
        .values(case_id=case.id)
    )
    audit.record(session, case, principal.actor, "clip",
                 {"camera": camera.id, "camera_name": camera.name, "attachment": attachment.id,
                  "start": _utc(start).isoformat(), "end": _utc(end).isoformat(),
                  "sha256": clip_file.sha256}, now)
    session.flush()
    return clip


def case_clips(session: Session, case_id: int) -> list[RecordingClip]:
    return list(session.scalars(
        sa.select(RecordingClip).where(RecordingClip.case_id == case_id).order_by(RecordingClip.id)))


def clip_file(session: Session, clip_id: int, data_dir: Path) -> Path | None:
    """Where a kept clip's bytes are (its attachment under the data folder)."""
    row = session.get(RecordingClip, clip_id)
    attachment = session.get(Attachment, row.attachment_id) if row is not None else None
    return data_dir / attachment.stored_path if attachment is not None else None
