"""The desk's data as it is drawn: queue rows, actions taken, cases registered.

Every read goes through the dispatch services (``queue_page``, ``get_case``, ``timeline``)
with the viewer's principal, so the desk sees exactly what the API would show that person.
Here values become labels in the viewer's language; no query lives here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dashboard.i18n import label
from dashboard.i18n.dates import local_time
from dispatch.api.uploads import Photo
from dispatch.casefile import case_by_number
from dispatch.cases import perform
from dispatch.desk.evidence import attach_photos
from dispatch.desk.intake import register_case
from dispatch.errors import DispatchError, InvalidInput, NotFound
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.queues import BY_KEY, QUEUES, Queue, queue_counts, queue_page
from dispatch.scopes import center_names
from dispatch.sla import Sla


def queue_rows(
    session: Session, viewer: Principal, path: str, queue: Queue, lang: str,
    q: str | None = None, limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    page = queue_page(session, viewer, path, queue, q=q or None, limit=limit)
    now = datetime.now(UTC)
    names = center_names(session, {c.center_id for c in page.items})
    rows = [
        {
            "id": c.id,
            "number": c.number or str(c.id),
            "title": c.title,
            "state": label("state", c.state, lang),
            "risk": label("risk", c.risk, lang),
            "kind": label("kind", c.kind, lang),
            "channel": label("channel", c.channel, lang),
            "center": names.get(c.center_id, ""),
            "reported": local_time(c.reported_at),
            "due": local_time(c.due_at) + (" ⚠" if c.due_at and c.due_at < now and c.closed_at is None else ""),
        }
        for c in page.items
    ]
    return rows, page.total


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
    case, created = register_case(session, viewer, parse_intake(data, strict=True), sla=sla, now=now)
    if created and photos:
        attach_photos(session, case, viewer.actor, photos, data_dir=data_dir, now=now)
    return case


__all__ = ["BY_KEY", "QUEUES", "DispatchError", "act", "intake", "queue_counts", "queue_rows"]
