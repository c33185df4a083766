"""An audible cue for new critical alerts, synthesised with WebAudio (no sound file, nothing
fetched).

Mounted with ``count`` = how many new critical alerts (or escalations to the viewer's center)
arrived since the page opened; each time the count grows, the browser plays two short tones.

Why no tone was heard before: Chromium's autoplay policy keeps an ``AudioContext`` created
without a user gesture *suspended*; the old cue created its context only when an alert
arrived (never inside a gesture), so ``resume()`` was refused and nothing played although the
banner showed. Now the first click or key press anywhere on the page (the sound switch
included) creates and resumes the context inside that gesture, and the component shows
whether sound is ready. Wall PCs without anyone to click can start Chromium with
``--autoplay-policy=no-user-gesture-required``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import streamlit as st

JS = """
export default function (component) {
  const { data, parentElement } = component;
  const root = document.documentElement;
  window.__zzBeepCount = window.__zzBeepCount || 0;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  const context = () => window.__zzAudio || (window.__zzAudio = new Ctx());
  // The unlock listener outlives this mount (the fragment reruns): it shows the state in the
  // element and words of the latest mount.
  let label = parentElement.querySelector("span.zz-sound");
  if (!label) {
    label = document.createElement("span");
    label.className = "zz-sound";
    parentElement.appendChild(label);
  }
  window.__zzBeepView = { el: label, data };
  const show = () => {
    const { el, data: words } = window.__zzBeepView;
    const state = window.__zzAudio ? window.__zzAudio.state : "suspended";
    root.dataset.zzAudio = state;
    const ready = state === "running";
    el.textContent = words.enabled ? (ready ? words.ready : words.locked) : "";
    el.style.cssText = "font-size:0.8rem;color:" + (ready ? "#2e7d32" : "#b26a00");
  };
  if (!window.__zzAudioUnlock) {
    window.__zzAudioUnlock = () => {
      try {
        const ctx = context();
        if (ctx.state !== "running") ctx.resume().then(show, show);
        ctx.onstatechange = show;
      } catch (err) {
        console.warn("alert sound unavailable", err);
      }
    };
    for (const type of ["pointerdown", "keydown", "touchstart"]) {
      document.addEventListener(type, window.__zzAudioUnlock, { capture: true, passive: true });
    }
  }
  show();
  const count = Number(data.count || 0);
  const last = parentElement.__zzBeeps;
  parentElement.__zzBeeps = count;
  if (last === undefined || count <= last || !data.enabled) return;
  try {
    const ctx = context();
    if (ctx.state !== "running") ctx.resume().then(show, show);
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
    root.dataset.zzBeeps = String(window.__zzBeepCount);
  } catch (err) {
    console.warn("alert sound unavailable", err);
  }
}
"""


@cache
def _component() -> Any:
    return st.components.v2.component("zongzhi_beep", js=JS)


def beep(count: int, enabled: bool = True, key: str = "beep", *, ready: str = "",
         locked: str = "") -> None:
    """``ready`` / ``locked``: the translated status shown while sound is on."""
    _component()(key=key, data={"count": count, "enabled": enabled, "ready": ready,
                                "locked": locked})
