"""The intake form: a report registered at a center of the scope, on the channels the viewer is
granted (a desk: walk-in, handed down, referral; a grid worker: its own and relayed 随手拍).

Kind and sub-kind are chosen explicitly (nothing preselected); the place is an address, a
grid of the chosen center and a 十联户 unit of that grid; photos are checked as the API checks
uploads. Open cases with the same phone, address or grid in the last 30 days are shown before
the report is filed. Not a ``st.form``: each choice narrows the next (grid → unit, kind →
sub-kind) and the duplicate hint follows what is typed.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from dashboard.desk import data
from dashboard.desk.selection import open_case
from dashboard.i18n import current_lang, label, t
from dashboard.i18n.dates import local_time
from dashboard.server.services import services
from dashboard.shared.refusals import refusal_text
from dashboard.shared.text import md
from dispatch.api.uploads import MAX_PHOTO_BYTES, MAX_PHOTOS
from dispatch.casefile import center_grids, grid_units, intake_centers
from dispatch.channels import offered_channels
from dispatch.desk.evidence import checked_photos
from dispatch.desk.intake import DuplicateHint, duplicate_hints
from dispatch.desk.vocabulary import sub_kinds_of
from dispatch.errors import DispatchError, InvalidInput
from dispatch.principal import Principal
from dispatch.scopes import CenterRef
from dispatch.types import CaseKind, Complexity, Risk


def _select(caption: str, options: list[str], key: str, names: Any, required: bool = False,
            disabled: bool = False) -> str | None:
    return st.selectbox(caption + (" *" if required else ""), options, index=None, key=key,
                        format_func=names, placeholder="—", disabled=disabled or not options)


def intake_form(viewer: Principal, center: CenterRef) -> None:
    lang = current_lang()
    svc = services()
    with svc.session_factory() as session:
        centers = dict(intake_centers(session, viewer, center.path))
    with st.container(border=True, key="intake"):
        st.markdown(f"**{t('intake.heading')}**")
        # Only the channels the viewer is granted (dispatch.channels): the service refuses others.
        channel = st.radio(t("field.channel"), offered_channels(viewer, svc.settings.intake),
                           horizontal=True, key="in_channel", format_func=lambda c: label("channel", c, lang))
        title = st.text_input(t("field.title") + " *", key="in_title", max_chars=200)
        description = st.text_area(t("field.description"), key="in_description", height=90)
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            kind = _select(t("field.kind"), [k.value for k in CaseKind], "in_kind",
                           lambda k: label("kind", k, lang), required=True)
        with c2:
            subs = [s.value for s in sub_kinds_of(kind)] if kind else []
            sub_kind = _select(t("field.sub_kind"), subs, f"in_sub_kind_{kind}", lambda s: label("sub_kind", s, lang),
                               required=True)
        with c3:
            risk = _select(t("field.risk"), [r.value for r in Risk], "in_risk", lambda r: label("risk", r, lang),
                           required=True)
        with c4:
            complexity = _select(t("field.complexity"), [c.value for c in Complexity], "in_complexity",
                                 lambda c: label("complexity", c, lang))
        target = st.selectbox(t("field.center") + " *", list(centers), key="in_center", format_func=centers.get)
        with svc.session_factory() as session:
            grids = dict(center_grids(session, target)) if target else {}
            g1, g2 = st.columns(2)
            with g1:
                grid = _select(t("field.grid"), list(grids), f"in_grid_{target}", grids.get)
            units = {code: t("case.unit_text", code=code, head=head)
                     for code, head, _ in (grid_units(session, grid) if grid else [])}
            with g2:
                unit = _select(t("field.unit"), list(units), f"in_unit_{grid}", units.get)
        address = st.text_input(t("field.address"), key="in_address", max_chars=200)
        p1, p2, p3 = st.columns(3)
        reporter = p1.text_input(t("field.reporter"), key="in_reporter", max_chars=64)
        phone = p2.text_input(t("field.phone"), key="in_phone", max_chars=32)
        external = p3.text_input(t("field.external_id"), key="in_external", max_chars=128)
        l1, l2 = st.columns(2)
        leader = l1.text_input(t("field.leader"), key="in_leader", max_chars=50)
        plan = l2.text_input(t("field.plan"), key="in_plan")
        _uploader_words()
        files = st.file_uploader(t("intake.photos", n=MAX_PHOTOS, mb=MAX_PHOTO_BYTES // (1024 * 1024)),
                                 type=["jpg", "jpeg", "png", "webp"], accept_multiple_files=True, key="in_photos",
                                 max_upload_size=MAX_PHOTO_BYTES // (1024 * 1024))
        with svc.session_factory() as session:
            hints = duplicate_hints(session, viewer, phone=phone, address=address, grid=grid)
        duplicates(hints, lang)
        submitted = st.button(t("console.submit"), type="primary", key="in_submit")
    if not submitted:
        return
    fields = {"title": title.strip(), "description": description.strip(), "kind": kind, "sub_kind": sub_kind,
              "channel": channel, "center": target, "grid": grid, "unit": unit, "address": address.strip(),
              "risk": risk, "complexity": complexity, "reporter": reporter.strip(), "reporter_phone": phone.strip(),
              "external_id": external.strip(), "leader": leader.strip(), "plan": plan.strip()}
    try:
        for name in ("kind", "sub_kind", "risk", "center"):  # chosen explicitly, never defaulted
            if fields[name] is None:
                raise InvalidInput(name, "required: choose it explicitly")
        photos = checked_photos([(f.name, f.type or "", f.getvalue()) for f in files or []])
        with svc.session_factory.begin() as session:
            case = data.intake(session, viewer, fields, photos, svc.sla, svc.settings.data_dir,
                               svc.settings.intake)
            number = case.number or ""
    except DispatchError as exc:
        st.error(t("intake.failed", error=refusal_text(exc, lang)))
        return
    st.session_state["console_flash"] = t("intake.created", number=md(number))
    open_case(number)
    st.rerun()


def _uploader_words() -> None:
    """Streamlit words its uploader in English ("Upload", "8MB per file • JPG, PNG, WEBP"):
    the button reads from the translation table, and the line of limits, which the caption
    already gives in the page's language, is hidden."""
    words = json.dumps(t("intake.choose_photos"), ensure_ascii=False)
    button = '.st-key-intake [data-testid="stFileUploaderDropzone"] > span button [data-testid="stMarkdownContainer"]'
    st.html(f"<style>{button} p{{display:none}}{button}::after{{content:{words}}}"
            '.st-key-intake [data-testid="stFileUploaderDropzoneInstructions"]{display:none}</style>')


def duplicates(hints: list[DuplicateHint], lang: str) -> None:
    """Open cases that may be the same matter, each with why and a button to open it."""
    if not hints:
        return
    with st.container(border=True, key="duplicate_hint"):
        st.warning(t("intake.duplicates", n=len(hints)))
        for h in hints:
            why = "、".join(t(f"intake.same_{k}") for k, same in
                           (("phone", h.same_phone), ("address", h.same_address), ("grid", h.same_grid)) if same)
            st.text(f"{h.number} · {h.title} · {label('state', h.state, lang)} · "
                    f"{local_time(h.reported_at)} · {h.center_name} · {why}")
