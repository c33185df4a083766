"""What the 研判 page changes: a briefing generated on demand for the scope, and a draft signed
with the duty officer's conclusion. The buttons are offered by the same rules the services
enforce (``briefing.generate`` by role; :func:`dispatch.briefings.store.may_sign`), and a
refusal is worded for the person, never the domain's English message."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from dashboard.briefings.view import kind_key
from dashboard.i18n import t, tr
from dashboard.server.services import services
from dispatch.accounts.access import BRIEFING_GENERATE, may
from dispatch.briefings import Briefing, Kind, Status, last_finished, store
from dispatch.briefings.store import BriefingConflict
from dispatch.errors import DispatchError, Forbidden, InvalidInput
from dispatch.localtime import TZ
from dispatch.principal import Principal
from dispatch.scopes import CenterRef

FLASH = "brief_flash"


def flash(kind: str, text: str, seconds: float = 8.0) -> None:
    st.session_state[FLASH] = (kind, text, time.monotonic() + seconds)


def flash_message() -> None:
    message = st.session_state.get(FLASH)
    if message:
        kind, text, until = message
        if time.monotonic() < until:
            getattr(st, kind)(text)
        else:
            del st.session_state[FLASH]


def refusal(exc: DispatchError, lang: str) -> str:
    if isinstance(exc, BriefingConflict):
        return tr("brief_page.err.conflict", lang)
    if isinstance(exc, InvalidInput) and exc.field == "conclusion":
        return tr("brief_page.err.conclusion", lang)
    if isinstance(exc, Forbidden):
        return tr("brief_page.err.forbidden", lang)
    return tr("brief_page.err.other", lang)


def may_generate(viewer: Principal) -> bool:
    return may(viewer, BRIEFING_GENERATE)


def _generate(viewer: Principal, center: CenterRef, lang: str) -> None:
    kind = st.session_state.get("brief_gen_kind") or Kind.DAILY.value
    day = st.session_state.get("brief_gen_day")
    try:
        with services().session_factory.begin() as session:
            b = store.generate_and_save(session, center.path, kind, day, generated_by=viewer.actor)
    except DispatchError as exc:
        flash("error", refusal(exc, lang))
        return
    st.query_params["briefing"] = str(b.id)
    st.session_state[f"brief_open_{lang}"] = b.id  # the picker shows what was just made
    flash("success", tr("brief_page.generated_done", lang, kind=tr(f"brief_page.kind.{kind}", lang)))


def generate_form(viewer: Principal, center: CenterRef, lang: str) -> None:
    """生成研判: a kind and any day of the period (the last finished day by default)."""
    today = datetime.now(UTC).astimezone(TZ).date()
    with st.expander(t("brief_page.generate"), icon=":material/note_add:"):
        with st.container(horizontal=True, vertical_alignment="bottom", key="brief_gen"):
            st.selectbox(t("brief_page.gen_kind"), [k.value for k in Kind], key="brief_gen_kind", width=180,
                         format_func=lambda k: tr(f"brief_page.kind.{k}", lang),
                         placeholder=t("brief_page.gen_kind"))
            st.date_input(t("brief_page.gen_day"), value=last_finished(Kind.DAILY, datetime.now(UTC)).start,
                          max_value=today, key="brief_gen_day", width=180, format="YYYY-MM-DD")
            st.button(t("brief_page.generate_now"), key="brief_gen_go", type="primary",
                      on_click=_generate, args=(viewer, center, lang))
        st.caption(t("brief_page.generate_hint"))


def _sign(viewer: Principal, b: Briefing, lang: str) -> None:
    text = st.session_state.get("brief_conclusion", "")
    try:
        with services().session_factory.begin() as session:
            store.sign(session, viewer, b.id or 0, text, version=b.extra.get("version"))
    except DispatchError as exc:
        flash("error", refusal(exc, lang))
        return
    st.session_state["brief_conclusion"] = ""
    flash("success", tr("brief_page.signed_done", lang))


def sign_form(viewer: Principal, b: Briefing, lang: str) -> None:
    """The conclusion and 签发 for a draft of the viewer's own center (duty officer, leader)."""
    if b.status == Status.SIGNED or not store.may_sign(viewer, b.center.path):
        return
    st.subheader(t("brief_page.conclusion"), divider="gray")
    st.text_area(t("brief_page.conclusion_field"), key="brief_conclusion", max_chars=store.CONCLUSION_MAX,
                 placeholder=t("brief_page.conclusion_hint"), height=120)
    st.button(t("brief_page.sign"), key="brief_sign", type="primary", icon=":material/verified:",
              on_click=_sign, args=(viewer, b, lang))
    st.caption(t(kind_key("brief_page.sign_hint", b.kind)))


__all__ = ["flash_message", "generate_form", "may_generate", "sign_form"]
