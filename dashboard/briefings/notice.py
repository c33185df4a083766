"""待签发: the drafts a duty officer or leader must sign, told on its desk.

The server makes every center's 日小结 and 研判 as their periods end
(:mod:`dashboard.server.periodic`); they wait as drafts until someone of that center signs
them (:func:`dispatch.briefings.store.may_sign`). The desk names the newest few above its
inbox (a fragment of their own, re-run every 20 s: :data:`dashboard.desk.inbox.SIGN_REFRESH`)
with a button that opens each on the 研判 page (``?briefing=ID``), and says how many more
wait; a toast names a draft that arrives while the desk is open. A signed one leaves the
notice.
"""

from __future__ import annotations

import streamlit as st

from dashboard.briefings.labels import period_of
from dashboard.i18n import current_lang, tr
from dashboard.server.pages import PAGES
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.briefings import store
from dispatch.principal import Principal

SHOWN = 3  # drafts named on the desk; the rest are counted


def signature_notice(viewer: Principal, *, toast: bool = False) -> int:
    """Draw the drafts awaiting the viewer's signature; returns how many there are."""
    with services().session_factory() as session:
        total, drafts = store.awaiting_signature(session, viewer, limit=SHOWN)
    lang = current_lang()
    names = {int(d["id"]): tr("brief.notice.name", lang, kind=tr(f"brief_page.kind.{d['kind']}", lang),
                              period=period_of(d, lang)) for d in drafts}
    known: set[int] | None = st.session_state.get("drafts_known")
    if toast and known is not None:
        for draft_id, name in names.items():
            if draft_id not in known:
                st.toast(tr("brief.notice.arrived", lang, name=md(name)), icon=":material/draw:")
    st.session_state["drafts_known"] = set(names) | (known or set())
    for draft in drafts:
        draft_id = int(draft["id"])
        with st.container(border=True, key=f"to_sign_{draft_id}", horizontal=True,
                          vertical_alignment="center", gap="small"):
            st.badge(tr("brief.notice.badge", lang), color="violet", icon=":material/draw:")
            st.text(tr("brief.notice.text", lang, name=names[draft_id],
                       center=str(draft["center"]["name"])))  # type: ignore[index]
            st.page_link(PAGES["briefings"], label=tr("brief.notice.open", lang),
                         query_params={"briefing": str(draft_id)}, icon=":material/open_in_new:")
    if total > len(drafts):
        st.caption(tr("brief.notice.more", lang, n=total - len(drafts)))
    return total


__all__ = ["signature_notice"]
