"""录像回放 · playback: pick up to four cameras and a moment, play their recordings in step,
and keep a clip of them as a case's evidence."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
import streamlit as st

from dashboard.i18n import current_lang, label, t
from dashboard.recordings.player import player
from dashboard.server.services import services
from dashboard.shared.chrome import current_scope, page_header, principal, scope_bar
from dashboard.shared.text import md
from dispatch.errors import DispatchError
from dispatch.models import Camera, Case, Center
from dispatch.registry import subtree_filter
from dispatch.types import AlertKind
from streams.record.clip import NoRecording

SPANS = (1, 10, 60, 360, 1440)  # minutes shown on the timeline


def picker_name(name: str, mode: str) -> str:
    """A camera in the picker: its name and, unless it records nothing, how it records."""
    return name if mode == "off" else f"{name} · {t(f'rec.mode.{mode}')}"


def cameras_in(path: str) -> dict[str, str]:
    with services().session_factory() as session:
        rows = session.execute(
            sa.select(Camera.id, Camera.name).join(Center, Camera.center_id == Center.id)
            .where(subtree_filter(Center.path, path)).order_by(Camera.name).limit(2000)
        ).all()
    return {cid: name for cid, name in rows}


def chosen_moment(tz: object) -> datetime:
    """``?at=`` (epoch seconds, from an alert) or a minute ago, in local time."""
    raw = st.query_params.get("at")
    try:
        return datetime.fromtimestamp(float(raw), tz)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(tz) - timedelta(minutes=1)  # type: ignore[arg-type]


def keep_clip_form(cams: list[str], names: dict[str, str], at: float) -> None:
    svc = services()
    assert svc.recording is not None
    with st.form("rec_clip"):
        st.caption(t("rec.clip_hint"))
        cols = st.columns(3)
        number = cols[0].text_input(t("rec.case_number"))
        before = cols[1].number_input(t("rec.before"), 0, 600, 10)
        after = cols[2].number_input(t("rec.after"), 0, 600, 10)
        if not st.form_submit_button(t("rec.keep_clip")):
            return
    viewer = principal()
    if viewer is None:
        return
    with svc.session_factory() as session:
        case_id = session.scalar(sa.select(Case.id).where(Case.number == number.strip()))
    if case_id is None:
        st.error(t("rec.no_case", number=md(number.strip())))
        return
    try:
        with st.spinner(t("rec.cutting")):
            clips = svc.recording.keep_clip(viewer, case_id, cams, at, float(before), float(after))
    except NoRecording:
        st.error(t("rec.nothing"))
        return
    except DispatchError as exc:
        st.error(t("rec.clip_refused", reason=md(str(exc))))
        return
    for clip in clips:
        st.success(t("rec.clip_kept", camera=md(names.get(clip.camera_id, clip.camera_id)),
                     sha=md(clip.sha256)))
        st.link_button(t("rec.export"), f"/recordings/clips/{clip.id}/export.mp4")


viewer = principal()
center = current_scope(viewer) if viewer is not None else None
if viewer is not None and center is not None:
    page_header("rec.title")
    scope_bar(viewer, center)
    svc = services()
    lang = current_lang()
    tz = svc.settings.timezone
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    names = cameras_in(center.path)
    if svc.recording is None:
        st.info(t("rec.off"))
    elif not names:
        st.info(t("rec.no_cameras"))
    else:
        # Cameras that record come first and say so: the list a user picks from is the
        # subtree's, most of which may record nothing.
        modes = {c: svc.recording.policy.mode_of(c) for c in names}
        order = sorted(names, key=lambda c: modes[c] == "off")
        wanted = [c for c in st.query_params.get_all("camera") if c in names] or order[:1]
        cams = st.multiselect(t("rec.cameras"), order, default=wanted[:4], max_selections=4,
                              format_func=lambda c: picker_name(names[c], modes[c]),
                              placeholder=t("rec.pick"))
        moment = chosen_moment(zone)
        cols = st.columns(3)
        day = cols[0].date_input(t("rec.day"), value=moment.date(), format="YYYY-MM-DD")
        clock = cols[1].time_input(t("rec.time"), value=moment.time().replace(microsecond=0), step=60)
        span = cols[2].selectbox(t("rec.span"), SPANS, index=1,
                                 format_func=lambda m: t("rec.span_minutes", n=m))
        at = datetime.combine(day, clock, zone).timestamp()
        if day == moment.date() and (clock.hour, clock.minute) == (moment.hour, moment.minute):
            at = moment.timestamp()  # the exact moment of a link (an alert's second)
        if cams:
            half = span * 30.0
            player([(c, names[c]) for c in cams], start=at - half, end=min(at + half, time.time() + 5),
                   until=at + half, at=at, lang=lang, tz=tz,
                   words={"play": t("rec.play"), "pause": t("rec.pause"), "none": t("rec.none"),
                          "off": t("rec.off_camera"), "alert": t("rec.alert")},
                   off=frozenset(c for c in cams if modes[c] == "off"),
                   kinds={k.value: label("alert", k.value, lang) for k in AlertKind},
                   key=f"playback_{lang}")
            keep_clip_form(cams, names, at)
        else:
            st.info(t("rec.pick"))
