"""The case's video evidence on the case page: the clips kept from its cameras' recordings,
each played in the page, downloadable as stored and as the burned-in export, and the form
that keeps a new clip (one to four of the case's cameras, N s before to M s after a moment).

The video and the downloads come from the product's scoped routes (``/recordings/clips/…``):
whoever sees the case and may view video plays them, whichever center holds the camera.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import streamlit as st
from sqlalchemy.orm import Session

from dashboard.desk.case_view import CaseView
from dashboard.i18n import current_lang, t
from dashboard.server.services import services
from dashboard.shared.refusals import refusal_text
from dashboard.shared.text import md
from dispatch import recordings as index
from dispatch.accounts import access
from dispatch.casefile import actor_names
from dispatch.errors import DispatchError
from dispatch.models import Camera
from dispatch.principal import Principal
from dispatch.sla import TZ
from streams.record.clip import NoRecording

MAX_SECONDS = 600
SHORT_SHA = 12


@dataclass(frozen=True)
class ClipRow:
    """A kept clip as the page shows it (plain strings in local time)."""

    id: int
    camera: str
    interval: str
    seconds: int
    by: str
    sha256: str

    @property
    def short_sha(self) -> str:
        return f"{self.sha256[:SHORT_SHA]}…"


def _clock(ts: datetime) -> str:
    return ts.astimezone(TZ).strftime("%H:%M:%S")


def interval_text(start: datetime, end: datetime) -> str:
    """``2026-12-01 15:20:05–15:20:25`` in local time (the date again when it changes)."""
    lo, hi = start.astimezone(TZ), end.astimezone(TZ)
    tail = _clock(hi) if lo.date() == hi.date() else hi.strftime("%Y-%m-%d %H:%M:%S")
    return f"{lo:%Y-%m-%d} {_clock(lo)}–{tail}"


def load_clips(session: Session, case_id: int) -> list[ClipRow]:
    rows = index.case_clips(session, case_id)
    cameras = dict(session.execute(
        sa.select(Camera.id, Camera.name).where(Camera.id.in_({r.camera_id for r in rows}))).all())
    names = actor_names(session, {r.created_by for r in rows})
    return [ClipRow(r.id, cameras.get(r.camera_id, r.camera_id), interval_text(r.start_at, r.end_at),
                    round((r.end_at - r.start_at).total_seconds()), names.get(r.created_by, r.created_by),
                    r.sha256) for r in rows]


def clip_html(row: ClipRow) -> str:
    """The clip's player and its two downloads (scoped routes; labels from the table)."""
    src = f"/recordings/clips/{row.id}.mp4"
    return (
        f'<div class="zz-clip" data-clip="{row.id}">'
        f'<video controls preload="metadata" src="{src}" data-clip="{row.id}" '
        'style="width:100%;max-height:260px;background:#000"></video>'
        '<div style="display:flex;gap:1rem;margin-top:.3rem">'
        f'<a class="zz-clip-original" href="{src}?download=1" download>'
        f'{html.escape(t("clips.original"))}</a>'
        f'<a class="zz-clip-export" href="/recordings/clips/{row.id}/export.mp4" download>'
        f'{html.escape(t("clips.export"))}</a></div></div>'
    )


def clips(viewer: Principal, view: CaseView) -> None:
    """The section: kept clips first, then the form (when recording is on and the viewer may
    view video)."""
    svc = services()
    st.markdown(f"**{t('clips.title')}**")
    with svc.session_factory() as session:
        rows = load_clips(session, view.case.id)
    if not rows:
        st.caption(t("clips.none"))
    for row in rows:
        with st.container(border=True, key=f"clip_{row.id}"):
            st.markdown(md(row.camera))
            st.caption(t("clips.line", interval=md(row.interval), seconds=row.seconds, by=md(row.by)))
            st.html(clip_html(row))
            with st.expander(t("clips.sha", short=row.short_sha)):
                st.code(row.sha256, language=None)
    if svc.recording is not None and view.cameras and access.may(viewer, access.STREAM_VIEW):
        keep_form(viewer, view)


def parse_clock(day: date, text: str) -> datetime | None:
    """``HH:MM:SS`` (or ``HH:MM``) on ``day`` in local time; None when it is not a time."""
    for pattern in ("%H:%M:%S", "%H:%M"):
        try:
            clock = datetime.strptime(text.strip().replace("：", ":"), pattern).time()
        except ValueError:
            continue
        return datetime.combine(day, clock, TZ)
    return None


def keep_form(viewer: Principal, view: CaseView) -> None:
    svc = services()
    assert svc.recording is not None
    names = view.camera_names
    keys = {name: f"clip_{name}_{view.number}" for name in ("day", "moment")}
    if keys["moment"] not in st.session_state:  # the moment the page was opened, kept across reruns
        moment = datetime.now(TZ) - timedelta(seconds=30)
        st.session_state[keys["day"]] = moment.date()
        st.session_state[keys["moment"]] = moment.strftime("%H:%M:%S")
    with st.form(f"keep_clip_{view.number}"):
        st.caption(t("clips.form_hint"))
        cams = st.multiselect(t("clips.cameras"), view.cameras, default=view.cameras[:1],
                              max_selections=4, format_func=lambda c: names.get(c, c),
                              placeholder=t("clips.pick"))
        cols = st.columns([3, 2, 2, 2])
        day = cols[0].date_input(t("clips.day"), format="YYYY-MM-DD", key=keys["day"])
        clock = cols[1].text_input(t("clips.moment"), key=keys["moment"])
        before = cols[2].number_input(t("clips.before"), 0, MAX_SECONDS, 10)
        after = cols[3].number_input(t("clips.after"), 0, MAX_SECONDS, 10)
        if not st.form_submit_button(t("clips.keep"), icon=":material/movie:"):
            return
    if not cams:
        st.error(t("clips.no_camera"))
        return
    at = parse_clock(day, clock) if isinstance(day, date) else None
    if at is None:
        st.error(t("clips.bad_moment", text=md(clock)))
        return
    if at.timestamp() > datetime.now(TZ).timestamp() + 60:
        st.error(t("clips.future"))
        return
    try:
        with st.spinner(t("clips.cutting", seconds=int(after))):
            kept = svc.recording.keep_clip(viewer, view.case.id, list(cams), at.timestamp(),
                                           float(before), float(after))
    except NoRecording:
        st.error(t("clips.nothing"))
        return
    except DispatchError as exc:
        st.error(refusal_text(exc, current_lang()))
        return
    st.session_state["console_flash"] = t("clips.kept", n=len(kept))
    st.rerun()
