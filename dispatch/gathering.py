"""A gathering (聚集) seen by a camera: a duty alert, and a 聚集活动 case with its picture.

The stream side counts people in a camera's zones and reports a gathering once
(``streams.gathering``); :func:`record_gathering` turns the report into an alert at the
camera's center and, when the deployment asks for it, files a case of kind ``gathering`` on
the camera-alert channel, its risk graded by the number of people (:func:`gathering_risk`),
with the picture that showed the gathering attached. A repeated report (same camera, zone and
moment) returns what the first one made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.alerts import raise_alert
from dispatch.api.uploads import Photo, store
from dispatch.errors import NotFound
from dispatch.intake import parse_intake
from dispatch.models import Alert, Attachment, Camera, Case, Center
from dispatch.principal import system_principal
from dispatch.report import report_case
from dispatch.sla import Sla
from dispatch.types import AlertKind, Risk, Severity

ACTOR = "system:gathering"


def gathering_risk(count: int, min_people: int) -> Risk:
    """High from three times the zone's threshold (or 30 people), medium from twice, else low."""
    if count >= 3 * min_people or count >= 30:
        return Risk.HIGH
    if count >= 2 * min_people:
        return Risk.MEDIUM
    return Risk.LOW


class Gathering(NamedTuple):
    alert: Alert
    case: Case | None
    filed: bool  # the case was filed by this call (not by an earlier report of the same moment)


def record_gathering(
    session: Session,
    camera_id: str,
    zone: str,
    count: int,
    *,
    min_people: int,
    at: datetime | None = None,
    snapshot: bytes | None = None,
    data_dir: Path | None = None,
    sla: Sla | None = None,
    file_case: bool = True,
) -> Gathering:
    """Raise the gathering alert of ``camera_id``'s ``zone`` and file its case (see above)."""
    at = at or datetime.now(UTC)
    row: Any = session.execute(
        sa.select(Camera.name, Center.path, Center.code)
        .join(Center, Camera.center_id == Center.id).where(Camera.id == camera_id)
    ).first()
    if row is None:
        raise NotFound("camera", camera_id)
    risk = gathering_risk(count, min_people)
    moment = at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    key = f"{AlertKind.CAMERA_GATHERING.value}:{camera_id}:{zone}:{moment}"
    alert, created = raise_alert(
        session, AlertKind.CAMERA_GATHERING,
        Severity.CRITICAL if risk == Risk.HIGH else Severity.WARNING, row.path,
        f"视频发现聚集 gathering: {row.name} ({camera_id}) — {zone}: {count}",
        key[:200], camera_id=camera_id,
        params={"camera": row.name, "camera_id": camera_id, "zone": zone, "count": count},
        now=at,
    )
    if not file_case:
        return Gathering(alert, None, False)
    if not created and alert.case_id is not None:
        return Gathering(alert, session.get(Case, alert.case_id), False)
    intake = parse_intake({
        "title": f"视频发现聚集：{row.name} {zone} 约{count}人"[:200],
        "description": (f"摄像机 {row.name}（{camera_id}）在区域「{zone}」持续检测到约 {count} 人聚集。"
                        f" Camera {camera_id} saw about {count} people gathered in zone {zone}."),
        "kind": "gathering",
        "sub_kind": "mass_gathering",
        "channel": "camera_alert",
        "center": row.code,
        "risk": risk.value,
        "source": "camera_alert",
        "external_id": f"gathering:{camera_id}:{zone}:{moment}"[:128],
        "camera_id": camera_id,
        "reporter": ACTOR,
    })
    case, made = report_case(session, system_principal(row.path, ACTOR), intake,
                             sla=sla or Sla.build(), now=at)
    alert.case_id = case.id
    if made and snapshot and data_dir is not None:
        photo = Photo(f"gathering-{camera_id}-{moment}.jpg", "image/jpeg", snapshot)
        session.add(Attachment(
            case_id=case.id, filename=photo.filename, content_type=photo.content_type,
            size=len(snapshot), sha256=photo.sha256, stored_path=store(data_dir, photo),
            created_at=at, created_by=ACTOR,
        ))
    session.flush()
    return Gathering(alert, case, made)
