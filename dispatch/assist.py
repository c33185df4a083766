"""Joint handling (协办): an assisting order reports its own part, with photos.

Every assist order is signed and reported by its own holder (``sign``, then ``feedback``:
text and photos) on the case's clock; the lead's ``resolve`` lists each assist's part, and an
assist that never reported is closed as 未反馈 (``unreported``), not marked done
(:func:`dispatch.facts.resolve`). :func:`report_part` is the one way photos reach a feedback:
they are checked like any upload (type sniffed, size, count), stored by hash as the case's
attachments tied to the order, and named by id in the event, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dispatch.cases import get_case, perform
from dispatch.errors import ActionNotAllowed, InvalidInput
from dispatch.models import Case
from dispatch.permissions import refusal
from dispatch.principal import Principal
from dispatch.sla import Sla
from dispatch.workflow import BY_ACTION, allowed_actions

#: A photo as it arrives: (file name, declared type, bytes).
PhotoFile = tuple[str, str, bytes]


def report_part(
    session: Session,
    principal: Principal,
    case_id: int,
    payload: Mapping[str, Any],
    files: list[PhotoFile],
    *,
    sla: Sla,
    data_dir: Path,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Take ``feedback`` on ``case_id`` with ``files`` as its photos (besides any attachment
    ids ``payload["photos"]`` names). Refused before anything is stored when the principal
    may not report this order now; raises what :func:`dispatch.cases.perform` raises, and
    InvalidInput naming ``photos[i]`` for a bad photo."""
    # Imported here: the evidence helpers sit on the API's upload checks, whose package
    # imports this module for its feedback route.
    from dispatch.desk.evidence import attach_photos, checked_photos

    now = now or datetime.now(UTC)
    case = get_case(session, principal, case_id)
    order_id = payload.get("order_id")
    error = refusal(
        session, principal, case, BY_ACTION["feedback"], order_id if type(order_id) is int else None
    )
    if isinstance(error, ActionNotAllowed):
        raise ActionNotAllowed(error.action, error.state, allowed_actions(session, principal, case))
    if error is not None:
        raise error
    ids = list(payload.get("photos") or [])
    if files:
        stored = attach_photos(
            session, case, principal.actor, checked_photos(files), data_dir=data_dir, now=now
        )
        ids += [a.id for a in stored]
    if len(ids) > 6:
        raise InvalidInput("photos", "at most 6 photos")
    body = {**payload, **({"photos": ids} if ids else {})}
    return perform(
        session, principal, case_id, "feedback", body, sla=sla,
        expected_version=expected_version, now=now,
    )  # fmt: skip
