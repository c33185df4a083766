"""Evidence snapshots: a picture from any feed, burned in, stored as an attachment of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch.api.uploads import Photo, store
from dispatch.consultation import audit
from dispatch.consultation.burnin import Caption, burn_in
from dispatch.consultation.models import ConsultSession, Evidence
from dispatch.consultation.services import _open
from dispatch.models import Attachment, Case, Center


def save_evidence(
    session: Session, actor: str, consult: ConsultSession, *, feed: str, feed_name: str,
    jpeg: bytes, data_dir: Path, now: datetime | None = None,
) -> Evidence:
    """Burn ``jpeg`` in, store it under ``data_dir`` by hash, link it to the case, audit it."""
    _open(consult)
    now = now or datetime.now(UTC)
    case = session.get(Case, consult.case_id)
    center = session.get(Center, consult.center_id)
    assert case is not None and center is not None
    picture = burn_in(jpeg, Caption(now, feed_name, center.name, case.number or str(case.id)))
    name = f"取证-{case.number}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.jpg"
    photo = Photo(name, "image/jpeg", picture)
    relative = store(data_dir, photo)
    attachment = Attachment(
        case_id=case.id, filename=name, content_type="image/jpeg", size=len(picture),
        sha256=photo.sha256, stored_path=relative, created_at=now, created_by=actor[:64],
    )
    session.add(attachment)
    session.flush()
    row = Evidence(session_id=consult.id, case_id=case.id, attachment_id=attachment.id,
                   feed=feed[:80], feed_name=feed_name[:100], taken_at=now, taken_by=actor[:64])
    session.add(row)
    session.flush()
    audit.record(session, case, actor, "session_evidence",
                 {"session": consult.id, "feed": feed, "feed_name": feed_name,
                  "attachment": attachment.id, "sha256": photo.sha256}, now)
    return row

