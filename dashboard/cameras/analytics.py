"""What the deployment file asks of each camera beyond pictures: PTZ and gathering detection.

Shown on the cameras page for the cameras of the scope. Nothing secret reaches the page: the
PTZ endpoint is shown as scheme, host and path (``streams.redact.display_url``); user names
and passwords never are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from config.cameras import CameraConfig
from dashboard.i18n import t, tr
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.cameras import scope_cameras
from streams.redact import display_url


def zone_text(cam: CameraConfig, lang: str) -> str:
    if cam.gathering is None:
        return "—"
    return "；".join(
        tr("cameras.gathering.zone", lang, name=z.name, people=z.min_people,
           seconds=f"{z.hold_seconds:g}")
        for z in cam.gathering.zones
    )


def analytics_rows(cameras: Iterable[CameraConfig], in_scope: set[str], lang: str) -> list[dict[str, Any]]:
    """One row per camera of the scope that declares PTZ or gathering zones."""
    rows = []
    for cam in cameras:
        if cam.id not in in_scope or (cam.ptz is None and cam.gathering is None):
            continue
        g = cam.gathering
        rows.append({
            "name": cam.name,
            "ptz": display_url(cam.ptz.url) if cam.ptz is not None else "—",
            "zones": zone_text(cam, lang),
            "rate": tr("cameras.gathering.rate", lang, fps=f"{g.fps:g}") if g else "—",
            "hours": "、".join(g.hours) if g and g.hours else (tr("cameras.gathering.always", lang) if g else "—"),
            "case": (tr("cameras.gathering.case_yes", lang) if g.file_case
                     else tr("cameras.gathering.case_no", lang)) if g else "—",
        })
    return rows


def scope_ids(path: str) -> set[str]:
    with services().session_factory() as session:
        return {cam.id for cam in scope_cameras(session, path)}


def analytics_table(cameras: Iterable[CameraConfig], in_scope: set[str], lang: str) -> None:
    rows = analytics_rows(cameras, in_scope, lang)
    st.subheader(t("cameras.analytics"))
    if not rows:
        st.caption(t("cameras.analytics.none"))
        return
    st.caption(md(t("cameras.analytics.hint")))
    cols = {"name": "cameras.name", "ptz": "cameras.ptz", "zones": "cameras.gathering",
            "rate": "cameras.gathering.fps", "hours": "cameras.gathering.hours",
            "case": "cameras.gathering.case"}
    st.dataframe([{t(label): r[key] for key, label in cols.items()} for r in rows],
                 hide_index=True, width="stretch", key="camera_analytics")
