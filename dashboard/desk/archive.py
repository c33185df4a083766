"""归档: finished cases (closed, refused, merged) of the scope, filtered and paged, through
:func:`dispatch.desk.archive.archive_page`; each row opens its case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from dashboard.desk.exports import archive_sheet
from dashboard.desk.rows import RISK_COLOR, Row, draw_rows, facts, offset_of, pager
from dashboard.i18n import current_lang, label, t, tr
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.export import export_buttons
from dispatch.desk.archive import FINISHED, ArchivedCase, ArchiveFilter, archive_page
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.types import CaseKind, Channel, Risk, Satisfaction

PAGE = 20
PERIODS = (None, 7, 30, 90, 365)  # days back; None: any time
LEVELS = (None, 1, 2, 3, 4)


def archive(viewer: Principal, center: CenterRef) -> None:
    chosen = filters()
    signature = repr(sorted(chosen.items()))
    key = "archive_offset"
    if st.session_state.get("archive_filters") != signature:  # new filters: back to page one
        st.session_state["archive_filters"] = signature
        st.session_state[key] = 0
    days = chosen.pop("days")
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    wanted = ArchiveFilter(scope_path=center.path, reported_from=since, **chosen)
    with services().session_factory() as session:
        page = archive_page(session, viewer, wanted, limit=PAGE, offset=offset_of(key))
        if page.offset and not page.items:  # fewer cases than the page skipped
            st.session_state[key] = 0
            page = archive_page(session, viewer, wanted, limit=PAGE)
    if not page.items:
        st.info(t("desk.archive.empty"))
        return
    lang = current_lang()
    export_buttons(tr("export.name.archive", lang), center.code, lambda: archive_sheet(viewer, wanted, lang),
                   key="archive", lang=lang, total=page.total)
    draw_rows([archived_row(case) for case in page.items], "archive")
    pager(page.total, PAGE, key)


def filters() -> dict[str, Any]:
    """The filter widgets, in one wrapping row; None is "any". Keys carry the language: a
    select box keeps its choice as the option's text, which a language switch changes."""
    lang = current_lang()
    any_ = t("desk.archive.any")

    def pick(name: str, options: tuple[Any, ...], text: str, group: str | None = None) -> Any:
        return st.selectbox(
            text, options, key=f"archive_{name}_{lang}", width=170,
            format_func=lambda v: any_ if v is None else (label(group, str(v), lang) if group else v),
        )

    with st.container(horizontal=True, key="archive_filters_row", gap="small"):
        days = st.selectbox(t("desk.archive.period"), PERIODS, key=f"archive_days_{lang}", width=170,
                            format_func=lambda d: any_ if d is None else tr("desk.archive.days", lang, n=d))
        return {
            "days": days,
            "kind": pick("kind", (None, *[k.value for k in CaseKind]), t("field.kind"), "kind"),
            "channel": pick("channel", (None, *[c.value for c in Channel]), t("field.channel"), "channel"),
            "risk": pick("risk", (None, *[r.value for r in Risk]), t("field.risk"), "risk"),
            "handled_level": pick("level", LEVELS, t("desk.archive.level"), "level"),
            "satisfaction": pick("satisfaction", (None, *[s.value for s in Satisfaction]),
                                 t("field.satisfaction"), "satisfaction"),
            "state": pick("state", (None, *FINISHED), t("desk.archive.state"), "state"),
            "grid": st.text_input(t("desk.archive.grid"), key="archive_grid", width=170,
                                  max_chars=24).strip() or None,
        }  # fmt: skip


def archived_row(case: ArchivedCase) -> Row:
    lang = current_lang()
    badges = [(label("state", case.state, lang), "gray"),
              (label("risk", case.risk, lang), RISK_COLOR.get(case.risk, "gray"))]
    if case.on_time is not None:
        badges.append((t("desk.on_time"), "green") if case.on_time else (t("desk.late"), "red"))
    level = label("level", str(case.handled_level), lang) if case.handled_level else None
    return Row(
        number=case.number, title=case.title, badges=tuple(badges),
        facts=facts(
            label("kind", case.kind, lang),
            label("sub_kind", case.sub_kind, lang) if case.sub_kind else None,
            label("channel", case.channel, lang), case.center_name,
            t("desk.grid", name=case.grid_name) if case.grid_name else None,
            t("desk.level", level=level) if level else None,
            label("satisfaction", case.satisfaction, lang) if case.satisfaction else None,
            t("desk.reported", time=local_time(case.reported_at)),
            t("desk.closed", time=local_time(case.closed_at)) if case.closed_at else None,
        ),
    )  # fmt: skip
