"""The scope's views (全部在办, 已超期): every open or late case of the center shown in the scope
bar and below it, newest first, paged (:mod:`dispatch.queues`)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.desk.exports import queue_sheet
from dashboard.desk.rows import RISK_COLOR, Row, draw_rows, facts, offset_of, pager
from dashboard.i18n import current_lang, label, t, tr
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.export import export_buttons
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.queues import BY_KEY, QUEUES, queue_counts, queue_page
from dispatch.scopes import CenterRef, center_names
from dispatch.types import TICKING_STATES

PAGE = 20
VIEWS = tuple(q.key for q in QUEUES)
_TICKING = frozenset(s.value for s in TICKING_STATES)


def scope_counts(viewer: Principal, center: CenterRef) -> dict[str, int]:
    with services().session_factory() as session:
        return queue_counts(session, viewer, center.path)


def scope_queue(viewer: Principal, center: CenterRef, view: str) -> None:
    key = f"queue_offset_{view}"
    now = datetime.now(UTC)
    with services().session_factory() as session:
        page = queue_page(session, viewer, center.path, BY_KEY[view], limit=PAGE,
                          offset=offset_of(key), now=now)
        if not page.items and st.session_state.get(key):
            st.session_state[key] = 0
            page = queue_page(session, viewer, center.path, BY_KEY[view], limit=PAGE, now=now)
        names = center_names(session, {c.center_id for c in page.items})
    if not page.items:
        st.info(t("desk.queue.empty"))
        return
    lang = current_lang()
    export_buttons(tr(f"export.name.{view}", lang), center.code,
                   lambda: queue_sheet(viewer, center.path, view, lang, now),
                   key=f"queue_{view}", lang=lang, total=page.total)
    draw_rows([case_row(c, names.get(c.center_id, ""), now) for c in page.items], f"queue_{view}")
    pager(page.total, PAGE, key)


def case_row(case: Case, center_name: str, now: datetime) -> Row:
    lang = current_lang()
    badges = [(label("state", case.state, lang), "blue"),
              (label("risk", case.risk, lang), RISK_COLOR.get(case.risk, "gray"))]
    if case.state in _TICKING and case.due_at is not None and case.due_at < now:
        badges.append((t("desk.overdue"), "red"))
    return Row(
        number=case.number or "", title=case.title, badges=tuple(badges),
        facts=facts(
            label("kind", case.kind, lang),
            label("sub_kind", case.sub_kind, lang) if case.sub_kind else None,
            label("channel", case.channel, lang), center_name,
            t("desk.reported", time=local_time(case.reported_at)),
            t("desk.due", time=local_time(case.due_at)) if case.due_at else None,
        ),
    )  # fmt: skip
