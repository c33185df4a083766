"""设备 · camera health for the scope: sortable table, each row linking to its focus view."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from dashboard.cameras.analytics import analytics_table, scope_ids
from dashboard.cameras.health import health_rows, health_sheet
from dashboard.i18n import current_lang, t, tr
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dashboard.shared.export import export_buttons


def read_rows(path: str, lang: str) -> list[dict[str, Any]]:
    svc = services()
    health = svc.hub.health() if svc.hub is not None else []
    with svc.session_factory() as session:
        return health_rows(session, path, health, lang)


@st.fragment(run_every=3)
def health_table(path: str, scope_code: str) -> None:
    rows = read_rows(path, current_lang())
    if not rows:
        st.info(t("cameras.none"))
        return
    online = sum(1 for r in rows if r["status_key"] == "online")
    st.caption(t("cameras.summary", n=len(rows), online=online))
    cols = {
        "name": t("cameras.name"), "center": t("cameras.center"), "level": t("cameras.level"),
        "status": t("cameras.status"), "fps": t("cameras.fps"), "age": t("cameras.age"),
        "grade": t("cameras.grade"), "reconnects": t("cameras.reconnects"), "stalls": t("cameras.stalls"),
        "link": t("cameras.focus"),
    }
    data = [
        {**{cols[k]: r[k] for k in cols if k != "link"},
         cols["link"]: "/?" + urlencode({"scope": scope_code, "focus": r["id"]})}
        for r in rows
    ]
    st.dataframe(
        data, hide_index=True, width="stretch", key="camera_table",
        column_config={
            cols["link"]: st.column_config.LinkColumn(cols["link"], display_text=t("cameras.focus")),
            cols["fps"]: st.column_config.NumberColumn(format="%.1f"),
            cols["age"]: st.column_config.NumberColumn(format="%.1f"),
        },
    )


viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("cameras.title")
    scope_bar(viewer, center)
    lang = current_lang()
    # Outside the live table: its reruns would renew the button under the pointer. The
    # sheet holds the figures as of the click.
    export_buttons(tr("export.name.cameras", lang), center.code,
                   lambda: health_sheet(read_rows(center.path, lang), lang), key="cameras", lang=lang)
    health_table(center.path, center.code)
    analytics_table(services().cameras, scope_ids(center.path), lang)
