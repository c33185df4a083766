"""The playback component: timelines, up to four synchronised videos, speed and seek.

A Streamlit v2 component with inline JS (``player.js``): the browser fetches each camera's
timeline and plays its segments straight from ``/recordings/...`` (HTML5 ``<video>``, H.264 in
fragmented MP4, range requests), so the server never decodes for playback. Debian's Chromium
plays H.264 (``canPlayType('video/mp4; codecs="avc1.64001F"')`` answers ``probably``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

JS = Path(__file__).with_name("player.js")


@cache
def _component() -> Any:
    return st.components.v2.component("zongzhi_playback", js=JS.read_text(encoding="utf-8"))


def player(cameras: list[tuple[str, str]], *, start: float, end: float, at: float, lang: str,
           tz: str, words: dict[str, str], kinds: dict[str, str], key: str = "playback",
           until: float | None = None, off: frozenset[str] = frozenset()) -> None:
    """``cameras``: (id, name) of up to four cameras; ``start``/``end``/``at`` epoch seconds;
    ``words``: play, pause, none, off, alert (translated); ``kinds``: alert kind → its label;
    ``off``: cameras the deployment does not record (their picture says so, not "none now").
    ``until``: where the timeline would end if ``end`` had not been cut at the present: the
    open page extends its timeline towards it as time passes (segments keep arriving)."""
    _component()(key=key, data={
        "cameras": [{"id": cid, "name": name, "off": cid in off} for cid, name in cameras[:4]],
        "start": start, "end": end, "at": at, "lang": lang, "tz": tz, "words": words,
        "kinds": kinds, "until": max(end, until if until is not None else end),
    })
