"""Camera health for a scope: the registry's cameras joined with the hub's live measurements."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dashboard.i18n import label, tr
from dashboard.shared.export import columns
from dispatch.cameras import scope_cameras
from dispatch.sheets import Sheet


def health_rows(session: Session, path: str, health: list[Any], lang: str) -> list[dict[str, Any]]:
    """One row per camera in the scope: status, fps, last-frame age, grade, reconnects/h."""
    live = {h.camera_id: h for h in health}
    out = []
    for cam in scope_cameras(session, path):
        h = live.get(cam.id)
        status = h.status if h is not None else cam.status
        out.append({
            "id": cam.id,
            "name": cam.name,
            "center": cam.center_name,
            "center_code": cam.center_code,
            "level": label("level", str(cam.center_level), lang),
            "level_no": cam.center_level,
            "status": label("camstatus", status, lang),
            "status_key": status,
            "fps": h.fps_in if h is not None else None,
            "age": h.last_frame_age if h is not None else None,
            "grade": label("grade", h.grade, lang) if h is not None else "—",
            "reconnects": h.reconnects_last_hour if h is not None else None,
            "stalls": h.stalls_last_hour if h is not None else None,
        })
    return out


#: The table's columns in the sheet (the focus link is a page address, not data).
SHEET_COLUMNS = (
    ("name", "cameras.name", "text"), ("center", "cameras.center", "text"), ("level", "cameras.level", "text"),
    ("status", "cameras.status", "text"), ("fps", "cameras.fps", "number"), ("age", "cameras.age", "number"),
    ("grade", "cameras.grade", "text"), ("reconnects", "cameras.reconnects", "int"),
    ("stalls", "cameras.stalls", "int"),
)


def health_sheet(rows: list[dict[str, Any]], lang: str) -> Sheet:
    """The rows of :func:`health_rows` as the table shows them (no camera address: it may
    carry a password)."""
    cols = columns(lang, *((key, kind) for _, key, kind in SHEET_COLUMNS))
    data = [tuple(None if r[field] == "—" else r[field] for field, _, _ in SHEET_COLUMNS) for r in rows]
    return Sheet(tr("export.name.cameras", lang), cols, data)
