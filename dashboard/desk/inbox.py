"""待办: what awaits the logged-in account's action (:mod:`dispatch.desk.inbox`), live.

The inbox is a fragment re-run every :data:`REFRESH` seconds: it re-reads the exact counts of
every tab and the open tab's page, so an order dispatched to this desk shows within about two
seconds without a reload. What arrived since the page first looked is marked 新 for
:data:`NEW_FOR` seconds, and a toast names the tab that grew.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from dashboard.briefings.notice import signature_notice
from dashboard.consultation.notice import invitation_notice
from dashboard.desk.inbox_export import inbox_sheet
from dashboard.desk.rows import RISK_COLOR, Row, draw_rows, duration, facts, offset_of, pager
from dashboard.i18n import current_lang, label, t, tr
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.export import export_buttons
from dashboard.shared.text import md
from dispatch.desk.inbox import InboxItem, Tab, inbox_counts, inbox_page, tabs_for
from dispatch.principal import Principal

REFRESH = 1.5  # seconds between two looks
#: 待签发 changes a few times a day: its own fragment looks every 20 s, so the inbox's 1.5 s
#: runs stay as short as they were (a click that lands while a run is under way can be lost).
SIGN_REFRESH = 20.0
NEW_FOR = 300.0  # seconds a new item stays marked
PAGE = 20


def inbox(viewer: Principal, *, live: bool = True) -> None:
    """Draw the inbox; ``live`` re-reads it every :data:`REFRESH` seconds. The desk holds it
    still while the intake form is open: a re-run under a half-filled form could drop a photo
    picked at that moment."""
    (_live_drafts if live else _drafts)(viewer)
    (_live_inbox if live else _inbox_and_invitations)(viewer)


def _drafts(viewer: Principal) -> None:
    signature_notice(viewer, toast=True)  # 日小结 / 研判 drafts it must sign


def _inbox_and_invitations(viewer: Principal) -> None:
    invited = st.container()  # filled last: the inbox's own rows reach the page first
    try:
        _inbox(viewer)
    finally:
        with invited:
            invitation_notice(viewer, toast=True)  # a consultation that invited this desk


def _inbox(viewer: Principal) -> None:
    tabs = tabs_for(viewer)
    if not tabs:
        st.info(t("desk.inbox.none"))
        return
    svc = services()
    with svc.session_factory() as session:
        counts = inbox_counts(session, viewer)
    unseen = _arrivals(counts)
    lang = current_lang()  # captured: option labels are also read outside the script run
    first = next((tab for tab in tabs if counts.get(tab)), tabs[0])
    unseen.discard(Tab(st.session_state.get("inbox_tab") or first.value))  # the open tab is seen
    chosen = Tab(st.segmented_control(
        t("desk.view.inbox"), [tab.value for tab in tabs], default=first.value, key="inbox_tab",
        format_func=lambda v: _tab_label(Tab(v), counts, unseen, lang), required=True,
        label_visibility="collapsed",
    ) or first.value)  # fmt: skip
    unseen.discard(chosen)
    key = f"inbox_offset_{chosen.value}"
    offset = offset_of(key, counts.get(chosen, 0))
    now = datetime.now(UTC)
    with svc.session_factory() as session:
        page = inbox_page(session, viewer, chosen, limit=PAGE, offset=offset, now=now,
                          policy=svc.sla)
    st.caption(t("wall.updated", time=local_time(now)))
    fresh = _fresh(chosen, page.items)  # an empty tab is looked at too: what comes next is new
    if chosen in (Tab.REPORTED, Tab.ESCALATED):
        _progress(page.items, lang)
    if not page.items:
        st.info(t("desk.inbox.empty"))
        return
    export_buttons(tr(f"desk.tab.{chosen.value}", lang), viewer.center_path.rsplit("/", 1)[-1],
                   lambda: inbox_sheet(viewer, chosen, lang, now), key=f"inbox_{chosen.value}",
                   lang=lang, total=page.total)
    draw_rows([inbox_row(item, fresh.get(_key(item), False)) for item in page.items], "inbox")
    if page.total > PAGE:
        pager(page.total, PAGE, key)


_live_inbox = st.fragment(run_every=REFRESH)(_inbox_and_invitations)
_live_drafts = st.fragment(run_every=SIGN_REFRESH)(_drafts)


def inbox_row(item: InboxItem, new: bool = False) -> Row:
    """An inbox item as a row: for orders the addressee and the time left to sign."""
    lang = current_lang()
    if item.latest_action is not None:
        return reported_row(item, new, lang)
    badges = [(label("risk", item.risk, lang), RISK_COLOR.get(item.risk, "gray"))]
    if item.sign_seconds_left is not None:
        left = duration(item.sign_seconds_left)
        badges.append((t("desk.sign_late", time=left), "red") if item.sign_late
                      else (t("desk.sign_left", time=left), "orange"))
    if item.overdue:
        badges.append((t("desk.overdue"), "red"))
    if item.supervision_stage in (1, 2):
        badges.append((t(f"desk.supervision.{item.supervision_stage}"), "violet"))
    if item.supervise_at is not None:
        badges.append((t("desk.supervised_by", by=item.supervise_by or ""), "violet"))
    addressee = None
    if item.addressee:
        addressee = f"{label('order_role', item.order_role, lang)} · {t('desk.to', name=item.addressee)}"
    return Row(
        number=item.number, title=item.title, new=new, badges=tuple(badges),
        facts=facts(
            label("kind", item.kind, lang),
            label("sub_kind", item.sub_kind, lang) if item.sub_kind else None,
            item.center_name, addressee, t("desk.reported", time=local_time(item.reported_at)),
            t("desk.due", time=local_time(item.due_at)) if item.due_at else None,
            t("desk.return_reason", reason=item.return_reason) if item.return_reason else None,
            t("desk.return_rejected", note=item.return_decision_note)
            if item.return_decision_note else None,
            t("desk.supervise_note", note=item.supervise_note) if item.supervise_note else None,
            t("desk.supervise_due", due=item.supervise_due_on.isoformat())
            if item.supervise_due_on else None,
        ),
    )  # fmt: skip


#: A report's state as its reporter reads it: refused in red, finished in green.
STATE_COLOR = {"refused": "red", "closed": "green", "visited": "green", "verified": "green",
               "resolved": "green", "merged": "gray", "suspended": "orange"}


def reported_row(item: InboxItem, new: bool, lang: str) -> Row:
    """One of the reporter's own reports: its state, the center now holding it and the latest
    step of its trail with the reason given (a refusal says why)."""
    badges = [(label("state", item.state, lang), STATE_COLOR.get(item.state, "blue"))]
    if item.overdue:
        badges.append((t("desk.overdue"), "red"))
    latest = None
    if item.latest_action and item.latest_at:
        latest = t("desk.latest", action=label("action", item.latest_action, lang),
                   time=local_time(item.latest_at))
    return Row(
        number=item.number, title=item.title, new=new, badges=tuple(badges),
        facts=facts(
            label("kind", item.kind, lang), t("desk.held_by", center=item.center_name),
            t("desk.reported", time=local_time(item.reported_at)), latest,
            t("desk.latest_note", note=item.latest_note) if item.latest_note else None,
        ),
    )  # fmt: skip


def _progress(items: list[InboxItem], lang: str) -> None:
    """A toast for each of the reporter's reports whose trail moved since the last look."""
    seen: dict[int, tuple[str | None, object]] = st.session_state.setdefault("reported_seen", {})
    for item in items:
        now = (item.latest_action, item.latest_at)
        before = seen.get(item.case_id)
        if before is not None and before != now and item.latest_action:
            st.toast(tr("desk.inbox.progress", lang, number=md(item.number),
                        action=label("action", item.latest_action, lang)))
        seen[item.case_id] = now


def _tab_label(tab: Tab, counts: dict[Tab, int], unseen: set[Tab], lang: str) -> str:
    text = tr("desk.tab.count", lang, tab=tr(f"desk.tab.{tab.value}", lang), n=counts.get(tab, 0))
    return f"{text} · {tr('desk.new', lang)}" if tab in unseen else text


def _arrivals(counts: dict[Tab, int]) -> set[Tab]:
    """Tabs that grew since the last look (a toast for each); returns the tabs whose growth
    has not been looked at yet."""
    before: dict[Tab, int] | None = st.session_state.get("inbox_counts")
    unseen: set[Tab] = st.session_state.setdefault("inbox_unseen", set())
    if before is not None:
        for tab, n in counts.items():
            grew = n - before.get(tab, n)
            # One's own report, or what one's center sent up, is no arrival.
            if grew > 0 and tab not in (Tab.REPORTED, Tab.ESCALATED):
                unseen.add(tab)
                st.toast(t("desk.inbox.arrived", tab=t(f"desk.tab.{tab.value}"), n=grew))
    st.session_state["inbox_counts"] = dict(counts)
    return unseen


def _key(item: InboxItem) -> str:
    """An item's identity in its tab; a report is new again whenever its trail moves."""
    if item.latest_action is not None:
        return f"{item.case_id}:{item.latest_action}:{item.latest_at}"
    return f"{item.case_id}:{item.order_id}"


def _fresh(tab: Tab, items: list[InboxItem]) -> dict[str, bool]:
    """Which items arrived after this tab was first looked at (and recently)."""
    known: dict[Tab, set[str]] = st.session_state.setdefault("inbox_known", {})
    since: dict[str, float] = st.session_state.setdefault("inbox_new_since", {})
    keys = {_key(item) for item in items}
    now = time.monotonic()
    if tab in known:
        for k in keys - known[tab]:
            since.setdefault(k, now)
        known[tab] |= keys
    else:
        known[tab] = set(keys)
    return {k: now - since[k] < NEW_FOR for k in keys if k in since}
