"""Pictures kept as a case's evidence: burned in with time, camera, center and case number,
stored by hash under the data folder and linked to the case as an attachment.

:func:`attach_picture` is the one way a picture becomes evidence (video sessions use it for
their snapshots); :func:`save_snapshot` takes one from a camera on the case page and records
it on the case's trail. :func:`checked_photos` and :func:`attach_photos` keep the photos of
a report typed at the desk exactly as the API keeps uploaded ones (same checks, same limits).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch.api.http import ApiError
from dispatch.api.uploads import MAX_PHOTOS, Photo, check_photo, store
from dispatch.consultation import audit
from dispatch.consultation.burnin import Caption, burn_in
from dispatch.errors import Forbidden, InvalidInput, NotFound
from dispatch.models import Attachment, Camera, Case, Center
from dispatch.permissions import can_see
from dispatch.principal import Principal


def attach_picture(
    session: Session, case: Case, actor: str, *, jpeg: bytes, camera_name: str, center_name: str,
    data_dir: Path, now: datetime,
) -> tuple[Attachment, Photo]:
    """Burn ``jpeg`` in, store it, and add it to ``case``'s attachments (in the caller's
    transaction); the trail line is the caller's."""
    picture = burn_in(jpeg, Caption(now, camera_name, center_name, case.number or ""))
    name = f"取证-{case.number}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.jpg"
    photo = Photo(name, "image/jpeg", picture)
    attachment = Attachment(
        case_id=case.id, filename=name, content_type="image/jpeg", size=len(picture),
        sha256=photo.sha256, stored_path=store(data_dir, photo), created_at=now,
        created_by=actor[:64],
    )
    session.add(attachment)
    session.flush()
    return attachment, photo


def save_snapshot(
    session: Session, principal: Principal, case: Case, camera_id: str, *, jpeg: bytes,
    data_dir: Path, now: datetime | None = None,
) -> Attachment:
    """Keep a camera's picture as evidence of ``case`` and note it on the trail
    (``snapshot``: camera, its name, the attachment). Forbidden to whoever cannot see the case
    or the camera (a camera is seen from its center's subtree, as the stream routes check)."""
    if not can_see(session, principal, case):
        raise Forbidden(f"case {case.number} is not yours to see")
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound("camera", camera_id)
    center = session.get(Center, camera.center_id)
    if center is None or not principal.sees(center.path):
        raise Forbidden(f"camera {camera_id} is outside your center")
    now = now or datetime.now(UTC)
    attachment, photo = attach_picture(
        session, case, principal.actor, jpeg=jpeg, camera_name=camera.name,
        center_name=center.name, data_dir=data_dir, now=now,
    )
    audit.record(session, case, principal.actor, "snapshot",
                 {"camera": camera.id, "camera_name": camera.name, "attachment": attachment.id,
                  "sha256": photo.sha256}, now)
    return attachment


def checked_photos(files: list[tuple[str, str, bytes]]) -> list[Photo]:
    """(filename, declared type, bytes) of each file, checked like the API's uploads: at most
    MAX_PHOTOS, JPEG / PNG / WebP by their bytes, each within the size limit. Raises
    InvalidInput naming ``photos`` or ``photos[i]``."""
    if len(files) > MAX_PHOTOS:
        raise InvalidInput("photos", f"at most {MAX_PHOTOS} photos")
    try:
        return [check_photo(i, name, kind, data) for i, (name, kind, data) in enumerate(files)]
    except ApiError as exc:
        raise InvalidInput(str(exc.extra.get("field", "photos")), exc.message.split(": ", 1)[-1]) from None


def attach_photos(
    session: Session, case: Case, actor: str, photos: list[Photo], *, data_dir: Path, now: datetime,
) -> list[Attachment]:
    """Store checked photos by hash and add them to ``case``'s attachments."""
    rows = [
        Attachment(case_id=case.id, filename=p.filename, content_type=p.content_type, size=len(p.data),
                   sha256=p.sha256, stored_path=store(data_dir, p), created_at=now, created_by=actor[:64])
        for p in photos
    ]
    session.add_all(rows)
    session.flush()
    return rows
