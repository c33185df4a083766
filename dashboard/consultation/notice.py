"""会商邀请: the notice an invited desk reads wherever it works.

A session started on a case invites the centers and departments along its chain
(:func:`dispatch.consultation.chain.invitees`). Their accounts are told here, on the desk's live
inbox and on the sessions page: the case, who is invited, since when and how many are in, and a
button that opens the seat's own join page. A toast names a new invitation when it arrives
while the page is open. The notice goes once someone of the center takes the seat, or the
session ends.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from dashboard.i18n import current_lang, tr
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.consultation import services as svc
from dispatch.consultation.links import link, link_key
from dispatch.principal import Principal


@cache
def _key(data_dir: Path) -> bytes:
    """The link key, read once per process: the live inbox draws this notice every 1.5 s."""
    return link_key(data_dir)


def invitation_notice(viewer: Principal, *, toast: bool = False) -> int:
    """Draw the viewer's open invitations (newest first); returns how many there are."""
    app = services()
    with app.session_factory() as session:
        found = svc.invitations_for(session, viewer, key=_key(Path(app.settings.data_dir)))
    lang = current_lang()
    known: set[int] | None = st.session_state.get("invites_known")
    if toast and known is not None:
        for invitation in found:
            if invitation.session.id not in known:
                st.toast(tr("consult.invite.arrived", lang, number=md(invitation.session.case_number)),
                         icon=":material/video_call:")
    st.session_state["invites_known"] = {i.session.id for i in found}
    page_lang = "en" if lang == "en" else "zh-CN"
    for invitation in found:
        running = invitation.session
        with st.container(border=True, key=f"invite_{running.id}", horizontal=True,
                          vertical_alignment="center", gap="small"):
            st.badge(tr("consult.invite.badge", lang), color="orange", icon=":material/video_call:")
            st.text(tr("consult.invite.text", lang, number=running.case_number, title=running.case_title,
                       invitee=invitation.invitee, time=local_time(running.started_at),
                       n=running.connected))
            st.link_button(tr("consult.invite.enter", lang), f"{link(invitation.token)}?lang={page_lang}",
                           type="primary", icon=":material/login:")
    return len(found)


__all__ = ["invitation_notice"]
