// Playback of recorded segments: a timeline per camera (what exists, alerts marked), up to
// four <video> elements following one clock, play/pause, 1×/2×/4×/8×, seek by click.
// Segments are fragmented MP4 (H.264) served with range requests by /recordings/....
export default function (component) {
  const { parentElement } = component;
  const data = { ...component.data }; // its end moves on with the present (see the refresher)
  const key = JSON.stringify([data.cameras.map((c) => c.id), data.start, data.end, data.at]);
  if (parentElement.__zzPlayer && parentElement.__zzPlayer.key === key) return;
  if (parentElement.__zzPlayer) parentElement.__zzPlayer.stop();
  parentElement.textContent = "";
  const w = data.words;
  const fmt = new Intl.DateTimeFormat(data.lang, {
    timeZone: data.tz, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const el = (tag, css, text) => {
    const node = document.createElement(tag);
    if (css) node.style.cssText = css;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const root = el("div", "font-size:0.9rem;color:inherit");
  root.className = "zz-playback";
  root.dataset.start = String(data.start);
  root.dataset.end = String(data.end);
  parentElement.appendChild(root);
  const bar = el("div", "display:flex;gap:0.4rem;align-items:center;flex-wrap:wrap;margin-bottom:0.4rem");
  const play = el("button", "padding:0.2rem 0.8rem", w.play);
  play.className = "zz-play";
  bar.appendChild(play);
  const speeds = [1, 2, 4, 8].map((r) => {
    const b = el("button", "padding:0.2rem 0.6rem", r + "×");
    b.className = "zz-speed";
    b.dataset.rate = String(r);
    bar.appendChild(b);
    return b;
  });
  const clock = el("span", "margin-left:0.6rem;font-variant-numeric:tabular-nums");
  clock.className = "zz-clock";
  bar.appendChild(clock);
  root.appendChild(bar);
  const lines = el("div", "display:flex;flex-direction:column;gap:3px;margin-bottom:0.5rem");
  root.appendChild(lines);
  const n = data.cameras.length;
  const grid = el("div", `display:grid;gap:6px;max-width:${n > 1 ? 1400 : 900}px;grid-template-columns:repeat(${n > 1 ? 2 : 1},1fr)`);
  root.appendChild(grid);

  let span = data.end - data.start; // grows with the present while the page is open (refresh)
  const state = { t: data.at, playing: false, rate: 1, last: performance.now(), stopped: false };
  const tracks = data.cameras.map((cam) => {
    const row = el("div", "display:flex;align-items:center;gap:0.4rem");
    row.appendChild(el("span", "width:8rem;overflow:hidden;white-space:nowrap;text-overflow:ellipsis", cam.name));
    const lane = el("div", "position:relative;flex:1;height:18px;background:#2a2f3a;cursor:pointer;border-radius:3px");
    lane.className = "zz-lane";
    lane.dataset.camera = cam.id;
    const cursor = el("div", "position:absolute;top:-2px;bottom:-2px;width:2px;background:#ffd54f;pointer-events:none");
    lane.appendChild(cursor);
    row.appendChild(lane);
    lines.appendChild(row);
    const box = el("div", "position:relative;background:#000");
    const video = el("video", "width:100%;aspect-ratio:16/9;object-fit:fill;display:block;background:#000");
    video.muted = true;
    video.playsInline = true;
    video.preload = "auto";
    video.dataset.camera = cam.id;
    const name = el("div", "position:absolute;left:6px;bottom:6px;padding:1px 6px;background:rgba(0,0,0,0.6);color:#fff", cam.name);
    const none = el("div", "position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:#bbb", cam.off && w.off ? w.off : w.none);
    box.append(video, name, none);
    grid.appendChild(box);
    lane.addEventListener("click", (ev) => {
      const r = lane.getBoundingClientRect();
      seek(data.start + ((ev.clientX - r.left) / r.width) * span);
    });
    return { cam, lane, cursor, video, none, segments: [], current: null };
  });

  const segmentAt = (track, t) => track.segments.find((s) => s.start <= t && t < s.end) || null;
  const follow = (track, force) => {
    const seg = segmentAt(track, state.t);
    track.none.style.display = seg ? "none" : "flex";
    const v = track.video;
    if (!seg) {
      if (!v.paused) v.pause();
      track.current = null;
      return;
    }
    const offset = state.t - seg.start;
    if (!track.current || track.current.id !== seg.id) {
      track.current = seg;
      v.src = `/recordings/${encodeURIComponent(track.cam.id)}/segment/${seg.id}.mp4`;
      v.addEventListener("loadedmetadata", () => {
        v.currentTime = Math.max(0, state.t - seg.start);
        v.playbackRate = state.rate;
        if (state.playing) v.play().catch(() => {});
      }, { once: true });
      return;
    }
    if (v.readyState < 1) return;
    if (force || Math.abs(v.currentTime - offset) > 0.4 * Math.max(1, state.rate)) v.currentTime = offset;
    if (v.playbackRate !== state.rate) v.playbackRate = state.rate;
    if (state.playing && v.paused) v.play().catch(() => {});
    if (!state.playing && !v.paused) v.pause();
  };
  const draw = () => {
    clock.textContent = fmt.format(new Date(state.t * 1000));
    root.dataset.t = String(state.t);
    const x = ((state.t - data.start) / span) * 100;
    for (const tr of tracks) tr.cursor.style.left = `calc(${Math.min(100, Math.max(0, x))}% - 1px)`;
  };
  function seek(t) {
    state.t = Math.min(data.end, Math.max(data.start, t));
    for (const tr of tracks) follow(tr, true);
    draw();
  }
  play.addEventListener("click", () => {
    state.playing = !state.playing;
    play.textContent = state.playing ? w.pause : w.play;
    for (const tr of tracks) follow(tr, false);
  });
  for (const b of speeds) {
    b.addEventListener("click", () => {
      state.rate = Number(b.dataset.rate);
      for (const s of speeds) s.style.fontWeight = s === b ? "bold" : "normal";
      for (const tr of tracks) follow(tr, false);
    });
  }
  speeds[0].style.fontWeight = "bold";
  const tick = (now) => {
    if (state.stopped) return;
    const dt = (now - state.last) / 1000;
    state.last = now;
    if (state.playing) {
      // The first camera showing a picture is the clock while it plays; else time runs on.
      const lead = tracks.find((tr) => tr.current && !tr.video.paused && tr.video.readyState >= 2);
      state.t = lead ? lead.current.start + lead.video.currentTime : state.t + dt * state.rate;
      if (state.t >= data.end) {
        state.playing = false;
        play.textContent = w.play;
      }
      for (const tr of tracks) if (tr !== lead) follow(tr, false);
      if (lead) follow(lead, false);
    }
    draw();
    requestAnimationFrame(tick);
  };
  const load = async (track, again) => {
    if (again && data.until > data.end) { // the timeline reaches the present: move its end on
      data.end = Math.min(data.until, Date.now() / 1000 + 5);
      span = data.end - data.start;
      root.dataset.end = String(data.end);
    }
    const q = `start=${data.start}&end=${data.end}`;
    const res = await fetch(`/recordings/${encodeURIComponent(track.cam.id)}/timeline?${q}`, { credentials: "same-origin" });
    if (!res.ok) return;
    const body = await res.json();
    if (again) for (const old of track.lane.querySelectorAll(".zz-segment, .zz-event")) old.remove();
    track.segments = body.segments;
    for (const s of body.segments) {
      const left = ((Math.max(s.start, data.start) - data.start) / span) * 100;
      const width = ((Math.min(s.end, data.end) - Math.max(s.start, data.start)) / span) * 100;
      const block = el("div", `position:absolute;top:3px;bottom:3px;left:${left}%;width:${Math.max(width, 0.2)}%;background:#4caf50;pointer-events:none`);
      block.className = "zz-segment";
      track.lane.insertBefore(block, track.cursor);
    }
    for (const e of body.events) {
      const left = ((e.at - data.start) / span) * 100;
      const mark = el("div", `position:absolute;top:0;bottom:0;left:${left}%;width:3px;background:#e53935`);
      mark.className = "zz-event";
      mark.title = `${data.kinds[e.kind] || w.alert} ${fmt.format(new Date(e.at * 1000))}`;
      track.lane.insertBefore(mark, track.cursor);
    }
    if (!again) follow(track, true);
    else if (!track.current) follow(track, false); // a segment now exists under the cursor
  };
  Promise.all(tracks.map((tr) => load(tr, false))).then(() => {
    root.dataset.ready = "1";
  });
  // A timeline that reaches the present grows: segments are indexed as they close.
  const refresher = Date.now() / 1000 - data.end < 120
    ? setInterval(() => {
        if (state.stopped) {
          clearInterval(refresher);
          return;
        }
        for (const tr of tracks) load(tr, true).catch(() => {});
        draw();
      }, 10000)
    : null;
  parentElement.__zzPlayer = {
    key,
    stop: () => {
      state.stopped = true;
      for (const tr of tracks) tr.video.removeAttribute("src");
    },
  };
  draw();
  requestAnimationFrame(tick);
}
