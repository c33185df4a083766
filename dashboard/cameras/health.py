"""Camera health for a scope: the registry joined with the hub's live measurements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dashboard.i18n import label
from dispatch.models import Camera, Center
from dispatch.registry import subtree_filter


def health_rows(session: Session, path: str, health: list[Any], lang: str) -> list[dict[str, Any]]:
    """One row per camera in the scope: status, fps, last-frame age, grade, reconnects/h."""
    live = {h.camera_id: h for h in health}
    rows = session.execute(
        sa.select(Camera.id, Camera.name, Camera.status, Center.name, Center.level, Center.code)
        .join(Center, Camera.center_id == Center.id)
        .where(subtree_filter(Center.path, path))
        .order_by(Center.level, Center.code, Camera.id)
    ).all()
    out = []
    for cid, name, db_status, center_name, level, code in rows:
        h = live.get(cid)
        status = h.status if h is not None else db_status
        out.append({
            "id": cid,
            "name": name,
            "center": center_name,
            "center_code": code,
            "level": label("level", str(level), lang),
            "level_no": level,
            "status": label("camstatus", status, lang),
            "status_key": status,
            "fps": h.fps_in if h is not None else None,
            "age": h.last_frame_age if h is not None else None,
            "grade": label("grade", h.grade, lang) if h is not None else "—",
            "reconnects": h.reconnects_last_hour if h is not None else None,
            "stalls": h.stalls_last_hour if h is not None else None,
        })
    return out
