"""研判 · briefings of the scope: the list (kind, period, signed or not; a higher center sees
its children's signed ones), one briefing on screen with its charts, generation on demand,
the duty officer's conclusion and signature, PDF and Excel downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from dashboard.briefings import actions
from dashboard.briefings.labels import period_of, status_of
from dashboard.briefings.view import show
from dashboard.i18n import current_lang, t, tr
from dashboard.i18n.dates import local_time
from dashboard.i18n.words import words_for
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dashboard.shared.export import columns, export_buttons
from dispatch.briefings import Kind, store
from dispatch.briefings.model import Status
from dispatch.errors import NotFound
from dispatch.localtime import TZ
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.sheets import Sheet

DAYS = (30, 90, 365)
KINDS = (None, *(k.value for k in Kind))
STATUSES = (None, Status.DRAFT.value, Status.SIGNED.value)


def list_sheet(items: list[dict[str, Any]], lang: str) -> Sheet:
    """The list as the page shows it (and as it downloads)."""
    cols = columns(lang, ("brief_page.center", "text"), ("brief_page.kind", "text"),
                   ("brief_page.period", "text"), ("brief_page.status", "text"),
                   ("brief_page.signer", "text"), ("brief_page.signed_at", "datetime"),
                   ("kpi.reported", "int"), ("kpi.closed", "int"), ("kpi.on_time_rate", "percent"))
    rows = [(
        i["center"]["name"], tr(f"brief_page.kind.{i['kind']}", lang), period_of(i, lang), status_of(i, lang),
        i["signed_by"], datetime.fromisoformat(str(i["signed_at"])) if i["signed_at"] else None,
        i["headline"].get("reported"), i["headline"].get("closed"), i["headline"].get("on_time_rate"),
    ) for i in items]
    return Sheet(tr("brief_page.list", lang), cols, rows)


def shown_cell(kind: str, value: object) -> object:
    """A list cell as the page shows it: local times, rates with two decimals, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_time(value)
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.2f}%"
    return value


def read_list(viewer: Principal, center: CenterRef, kind: str | None, days: int,
              status: str | None = None) -> list[dict[str, Any]]:
    since = datetime.now(UTC).astimezone(TZ).date() - timedelta(days=days)
    with services().session_factory() as session:
        return store.list_briefings(session, viewer, center.path, kind=Kind(kind) if kind else None,
                                    start=since, status=Status(status) if status else None,
                                    limit=store.LIST_MAX)


def briefing_list(viewer: Principal, center: CenterRef, lang: str) -> list[dict[str, Any]]:
    with st.container(horizontal=True, vertical_alignment="bottom", key="brief_filters"):
        kind = st.segmented_control(t("brief_page.kind"), KINDS, default=None, key="brief_kind",
                                    format_func=lambda k: t("brief_page.all") if k is None else t(f"brief_page.kind.{k}"))
        days = st.segmented_control(t("brief_page.within"), DAYS, default=90, key="brief_days",
                                    format_func=lambda n: t("brief_page.days", n=n)) or 90
        # A leader looks for what awaits a signature: 待签发 lists the drafts alone.
        status = st.segmented_control(t("brief_page.status"), STATUSES, default=None, key="brief_status",
                                      format_func=lambda s: t(f"brief_page.filter.{s or 'all'}"))
    items = read_list(viewer, center, kind, days, status)
    if not items:
        st.info(t("brief_page.none"))
        return items
    sheet = list_sheet(items, lang)
    export_buttons(tr("brief_page.list", lang), center.code, lambda: sheet, key="briefings", lang=lang,
                   total=len(items))
    shown = [{c.header: shown_cell(c.kind, v) for c, v in zip(sheet.columns, row, strict=True)}
             for row in sheet.rows]
    st.dataframe(shown, hide_index=True, width="stretch", key="brief_list")
    return items


def opened(items: list[dict[str, Any]], lang: str) -> int | None:
    """The briefing chosen in the picker (``?briefing=ID`` opens one from a link)."""
    ids = [int(i["id"]) for i in items]
    wanted = st.query_params.get("briefing")
    if wanted and not (wanted.isdigit() and len(wanted) < 10):
        wanted = None  # not an id (the column holds 32-bit integers)
    if wanted and wanted.isdigit() and int(wanted) not in ids:
        ids.insert(0, int(wanted))  # a link to a briefing outside the list's filter
    names = {int(i["id"]): " · ".join((i["center"]["name"], tr("brief_page.kind." + i["kind"], lang),
                                       period_of(i, lang), status_of(i, lang))) for i in items}
    key = f"brief_open_{lang}"  # the language in the key: the box keeps the text it drew
    picked = st.session_state.get(key)
    if picked is not None and picked not in ids:
        ids.insert(0, picked)
    if wanted and wanted.isdigit() and (
        key not in st.session_state or st.session_state.get("brief_link") != wanted
    ):  # a link followed (the desk's 前往签发) opens its briefing, whatever was open before
        st.session_state[key] = int(wanted)
    st.session_state["brief_link"] = wanted
    chosen = st.selectbox(t("brief_page.open"), ids, index=None, key=key,
                          placeholder=t("brief_page.open_hint"),
                          format_func=lambda i: names.get(i, tr("brief_page.number", lang, id=i)))
    if chosen is not None and str(chosen) != wanted:
        st.query_params["briefing"] = str(chosen)
    return chosen


viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    lang = current_lang()
    words = words_for(lang)
    page_header("brief_page.title")
    scope_bar(viewer, center)
    actions.flash_message()
    if actions.may_generate(viewer):
        actions.generate_form(viewer, center, lang)
    items = briefing_list(viewer, center, lang)
    chosen = opened(items, lang)
    if chosen is not None:
        try:
            with services().session_factory() as session:
                briefing = store.get(session, viewer, chosen)
        except NotFound:
            st.warning(t("brief_page.not_found"))
        else:
            show(briefing, words)
            actions.sign_form(viewer, briefing, lang)
