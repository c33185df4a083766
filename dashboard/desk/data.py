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

from dispatch.api.uploads import Photo
from dispatch.casefile import case_by_number
from dispatch.cases import perform, report_case
from dispatch.desk.evidence import attach_photos
from dispatch.errors import InvalidInput, NotFound
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.sla import Sla


def act(session: Session, viewer: Principal, case_id: int, action: str,
        payload: dict[str, Any], sla: Sla, version: int | None) -> Case:
    """Take ``action``; a merge target typed as a case number becomes that case's id here."""
    into = payload.get("into")
    if isinstance(into, str):
        try:
            payload = {**payload, "into": case_by_number(session, viewer, into).id}
        except NotFound:
            raise InvalidInput("payload.into", f"unknown case {into}") from None
    return perform(session, viewer, case_id, action, payload, sla=sla, expected_version=version)


def intake(session: Session, viewer: Principal, fields: dict[str, Any], photos: list[Photo],
           sla: Sla, data_dir: Path) -> Case:
    """Register a walk-in, hotline or grid report with its photos (checked first, by the
    caller, with :func:`dispatch.desk.evidence.checked_photos`); raises DispatchError
    (InvalidInput names the field). The sub-kind must be chosen (strict intake)."""
    data = {k: v for k, v in fields.items() if v not in (None, "")}
    if data.get("external_id"):
        data.setdefault("source", data["channel"])
    now = datetime.now(UTC)
    case, created = report_case(session, viewer, parse_intake(data, strict=True), sla=sla, now=now)
    if created and photos:
        attach_photos(session, case, viewer.actor, photos, data_dir=data_dir, now=now)
    return case


__all__ = ["act", "intake"]
