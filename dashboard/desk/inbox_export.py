"""The inbox's tabs as sheets: every item of the open tab (all its pages), one row per item
with the facts its row on screen shows, read with the page's clock so that "overdue" and the
time left to sign mean what the page showed."""

from __future__ import annotations

from datetime import datetime

from dashboard.i18n import label, tr
from dashboard.server.services import services
from dashboard.shared.export import columns, every_page
from dispatch.desk.inbox import InboxItem, Tab, inbox_page
from dispatch.principal import Principal
from dispatch.sheets import Sheet


def inbox_sheet(viewer: Principal, tab: Tab, lang: str, now: datetime) -> Sheet:
    """Every item of ``tab`` for ``viewer``, in the tab's order, as of ``now``."""
    svc = services()
    with svc.session_factory() as session:
        items = every_page(lambda offset, n: inbox_page(
            session, viewer, tab, limit=n, offset=offset, now=now, policy=svc.sla).items)
    cols = columns(
        lang, ("field.number", "text"), ("field.title", "text"), ("field.state", "text"),
        ("field.risk", "text"), ("desk.overdue", "text"), ("field.kind", "text"),
        ("field.sub_kind", "text"), ("field.center", "text"), ("export.inbox.order", "text"),
        ("export.inbox.sign_deadline", "datetime"), ("field.reported_at", "datetime"),
        ("field.due_at", "datetime"), ("export.inbox.supervision", "text"),
        ("export.inbox.supervise", "text"), ("field.deadline", "date"),
        ("order.returned_reason", "text"),
    )
    title = tr(f"desk.tab.{tab.value}", lang)
    return Sheet(title, cols, [inbox_sheet_row(item, lang) for item in items])


def inbox_sheet_row(item: InboxItem, lang: str) -> tuple[object, ...]:
    order = None
    if item.order_id is not None:
        order = f"{label('order_role', item.order_role, lang)} · {item.addressee or ''}"
    pressed = tr(f"desk.supervision.{item.supervision_stage}", lang) if item.supervision_stage in (1, 2) else None
    supervise = None
    if item.supervise_at is not None:
        supervise = f"{item.supervise_by or ''} · {item.supervise_note or ''}"
    return (
        item.number, item.title, label("state", item.state, lang), label("risk", item.risk, lang),
        tr("desk.overdue", lang) if item.overdue else None, label("kind", item.kind, lang),
        label("sub_kind", item.sub_kind, lang) if item.sub_kind else None, item.center_name, order,
        item.sign_deadline, item.reported_at, item.due_at, pressed, supervise, item.supervise_due_on,
        item.return_reason or item.return_decision_note,
    )


__all__ = ["inbox_sheet", "inbox_sheet_row"]
