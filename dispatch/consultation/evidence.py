"""Evidence snapshots: a picture from any feed, burned in, stored as an attachment of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch.consultation import audit
from dispatch.consultation.lookup import require_open
from dispatch.consultation.models import ConsultSession, Evidence
from dispatch.desk.evidence import attach_picture
from dispatch.models import Case, Center


def save_evidence(
    session: Session, actor: str, consult: ConsultSession, *, feed: str, feed_name: str,
    jpeg: bytes, data_dir: Path, now: datetime | None = None,
) -> Evidence:
    """Burn ``jpeg`` in, store it under ``data_dir`` by hash, link it to the case, audit it."""
    require_open(consult)
    now = now or datetime.now(UTC)
    case = session.get(Case, consult.case_id)
    center = session.get(Center, consult.center_id)
    assert case is not None and center is not None
    attachment, photo = attach_picture(session, case, actor, jpeg=jpeg, camera_name=feed_name,
                                       center_name=center.name, data_dir=data_dir, now=now)
    row = Evidence(session_id=consult.id, case_id=case.id, attachment_id=attachment.id,
                   feed=feed[:80], feed_name=feed_name[:100], taken_at=now, taken_by=actor[:64])
    session.add(row)
    session.flush()
    audit.record(session, case, actor, "session_evidence",
                 {"session": consult.id, "feed": feed, "feed_name": feed_name,
                  "attachment": attachment.id, "sha256": photo.sha256}, now)
    return row

