"""The desk's writes: actions taken, cases registered with their photos.

Every read goes through the dispatch services (``queue_page``, ``get_case``, ``timeline``)
with the viewer's principal, so the desk sees exactly what the API would show that person.
Here values become labels in the viewer's language; no query lives here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from config.intake import IntakePolicy
from dispatch.api.uploads import Photo
from dispatch.assist import report_part
from dispatch.casefile import case_by_number
from dispatch.cases import perform, report_case
from dispatch.desk.evidence import attach_photos
from dispatch.errors import InvalidInput, NotFound
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.sla import Sla


def act(session: Session, viewer: Principal, case_id: int, action: str,
        payload: dict[str, Any], sla: Sla, version: int | None, data_dir: Path = Path("data")) -> Case:
    """Take ``action``; a merge target typed as a case number becomes that case's id here, and
    photos picked for a 协办 feedback become the case's attachments first."""
    files = payload.get("photos")
    if action == "feedback" and files:
        rest = {k: v for k, v in payload.items() if k != "photos"}
        return report_part(session, viewer, case_id, rest, files, sla=sla, data_dir=data_dir,
                           expected_version=version)
    into = payload.get("into")
    if isinstance(into, str):
        try:
            payload = {**payload, "into": case_by_number(session, viewer, into).id}
        except NotFound:
            raise InvalidInput("payload.into", f"unknown case {into}") from None
    return perform(session, viewer, case_id, action, payload, sla=sla, expected_version=version)


def intake(session: Session, viewer: Principal, fields: dict[str, Any], photos: list[Photo],
           sla: Sla, data_dir: Path, policy: IntakePolicy | None = None) -> Case:
    """Register a report with its photos (checked first, by the caller, with
    :func:`dispatch.desk.evidence.checked_photos`) on a channel the viewer is granted by
    ``policy``; raises DispatchError (InvalidInput names the field, Forbidden a channel not
    granted). The sub-kind must be chosen (strict intake)."""
    data = {k: v for k, v in fields.items() if v not in (None, "")}
    now = datetime.now(UTC)
    case, created = report_case(session, viewer, parse_intake(data, strict=True), sla=sla, now=now,
                                policy=policy)
    if created and photos:
        attach_photos(session, case, viewer.actor, photos, data_dir=data_dir, now=now)
    return case


__all__ = ["act", "intake"]
