"""设备 · camera health for the scope: sortable table, each row linking to its focus view."""

from __future__ import annotations

import streamlit as st

from dashboard.cameras.health import health_rows
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar


@st.fragment(run_every=3)
def health_table(path: str, scope_code: str) -> None:
    svc = services()
    lang = current_lang()
    health = svc.hub.health() if svc.hub is not None else []
    with svc.session_factory() as session:
        rows = health_rows(session, path, health, lang)
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
         cols["link"]: f"/?scope={scope_code}&focus={r['id']}"}
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
    health_table(center.path, center.code)
