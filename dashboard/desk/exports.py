"""The desk's lists as sheets: the scope's views (全部在办, 已超期) and the archive under its
filters, every page, one row per case with the facts its row on screen shows."""

from __future__ import annotations

from datetime import datetime

from dashboard.i18n import label, tr
from dashboard.server.services import services
from dashboard.shared.export import columns, every_page
from dispatch.desk.archive import ArchivedCase, ArchiveFilter, archive_page
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.queues import BY_KEY, queue_page
from dispatch.scopes import center_names
from dispatch.sheets import Sheet
from dispatch.types import TICKING_STATES

_TICKING = frozenset(s.value for s in TICKING_STATES)


def queue_sheet(viewer: Principal, scope_path: str, view: str, lang: str, now: datetime) -> Sheet:
    """Every case of the view ``view`` in the scope, newest first (the list's order), as of
    ``now`` (the page's clock, so "overdue" means what the page showed)."""
    with services().session_factory() as session:
        cases = every_page(lambda offset, n: queue_page(
            session, viewer, scope_path, BY_KEY[view], limit=n, offset=offset, now=now).items)
        names = center_names(session, {c.center_id for c in cases})
    cols = columns(
        lang, ("field.number", "text"), ("field.title", "text"), ("field.state", "text"),
        ("field.risk", "text"), ("desk.overdue", "text"), ("field.kind", "text"),
        ("field.sub_kind", "text"), ("field.channel", "text"), ("field.center", "text"),
        ("field.reported_at", "datetime"), ("field.due_at", "datetime"),
    )
    return Sheet(tr(f"export.name.{view}", lang), cols, [_queue_row(c, names, now, lang) for c in cases])


def _queue_row(case: Case, names: dict[int, str], now: datetime, lang: str) -> tuple[object, ...]:
    late = case.state in _TICKING and case.due_at is not None and case.due_at < now
    return (
        case.number or "", case.title, label("state", case.state, lang), label("risk", case.risk, lang),
        tr("desk.overdue", lang) if late else None, label("kind", case.kind, lang),
        label("sub_kind", case.sub_kind, lang) if case.sub_kind else None,
        label("channel", case.channel, lang), names.get(case.center_id, ""), case.reported_at, case.due_at,
    )


def archive_sheet(viewer: Principal, wanted: ArchiveFilter, lang: str) -> Sheet:
    """Every finished case the archive's filters select, in the list's order."""
    with services().session_factory() as session:
        cases = every_page(lambda offset, n: archive_page(session, viewer, wanted, limit=n, offset=offset).items)
    cols = columns(
        lang, ("field.number", "text"), ("field.title", "text"), ("desk.archive.state", "text"),
        ("field.risk", "text"), ("export.on_time", "text"), ("field.kind", "text"),
        ("field.sub_kind", "text"), ("field.channel", "text"), ("field.center", "text"),
        ("field.grid", "text"), ("desk.archive.level", "text"), ("field.satisfaction", "text"),
        ("field.reported_at", "datetime"), ("export.closed_at", "datetime"),
    )
    return Sheet(tr("export.name.archive", lang), cols, [_archive_row(c, lang) for c in cases])


def _archive_row(case: ArchivedCase, lang: str) -> tuple[object, ...]:
    on_time = None if case.on_time is None else tr("desk.on_time" if case.on_time else "desk.late", lang)
    return (
        case.number, case.title, label("state", case.state, lang), label("risk", case.risk, lang), on_time,
        label("kind", case.kind, lang), label("sub_kind", case.sub_kind, lang) if case.sub_kind else None,
        label("channel", case.channel, lang), case.center_name, case.grid_name,
        label("level", str(case.handled_level), lang) if case.handled_level else None,
        label("satisfaction", case.satisfaction, lang) if case.satisfaction else None,
        case.reported_at, case.closed_at,
    )


__all__ = ["archive_sheet", "queue_sheet"]
