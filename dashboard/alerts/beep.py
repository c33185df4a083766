"""An audible cue for new critical alerts, synthesised with WebAudio (no sound file).

Mounted with ``count`` = how many new critical alerts arrived since the page opened; each time
the count grows, the browser plays two short tones. Browsers allow sound only after the user
has interacted with the page once; wall PCs can start Chromium with
``--autoplay-policy=no-user-gesture-required``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import streamlit as st

JS = """
export default function (component) {
  const { data, parentElement } = component;
  const count = Number(data.count || 0);
  const last = parentElement.__zzBeeps;
  parentElement.__zzBeeps = count;
  window.__zzBeepCount = window.__zzBeepCount || 0;
  if (last === undefined || count <= last || !data.enabled) return;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    const ctx = window.__zzAudio || (window.__zzAudio = new Ctx());
    if (ctx.state === "suspended") ctx.resume();
    [0, 0.25].forEach((offset, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = i ? 1320 : 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + offset);
      osc.stop(ctx.currentTime + offset + 0.22);
    });
    window.__zzBeepCount += 1;
    document.documentElement.dataset.zzBeeps = String(window.__zzBeepCount);
  } catch (err) {
    console.warn("alert sound unavailable", err);
  }
}
"""


@cache
def _component() -> Any:
    return st.components.v2.component("zongzhi_beep", js=JS)


def beep(count: int, enabled: bool = True, key: str = "beep") -> None:
    _component()(key=key, data={"count": count, "enabled": enabled})
