// The video wall: a grid of camera tiles with HTML overlays, a KPI ribbon and an alert feed.
//
// Streamlit mounts this once and calls it again on every rerun with new `data`; the DOM and
// the WebSocket live on `parentElement` across those calls, so a rerun never rebuilds a tile
// and video never restarts. Frames and figures arrive over ONE WebSocket (/api/wall/ws):
// browsers allow only six HTTP/1.1 connections per host, fewer than the 9 or 16 tiles of a
// wall, so one multiplexed socket carries every tile's JPEG frames (the hub's shared bytes).
// Text from the server (names, messages) is only ever set with textContent: never HTML.

const STATE_KEY = "__zongzhiWall";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function fmtRate(v) {
  return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
}

function fmtNum(v) {
  return v === null || v === undefined ? "—" : String(v);
}

const RIBBON = [
  ["reported_today", fmtNum],
  ["closed_today", fmtNum],
  ["closure_rate", fmtRate],
  ["on_time_rate", fmtRate],
  ["satisfaction", fmtRate],
  ["cameras_online", fmtRate],
  ["open_alerts", fmtNum],
];

// PTZ in the focus view: a pad of buttons (hold to turn, release to stop), zoom, presets, and
// keys while the view is open (W A S D turn, + and - zoom, 1-9 go to a preset). Commands go
// to /api/wall/ptz/{camera}; the server checks the right and writes each to the audit.
const PTZ_KEYS = { w: [0, 1, 0], s: [0, -1, 0], a: [-1, 0, 0], d: [1, 0, 0], "+": [0, 0, 1], "=": [0, 0, 1], "-": [0, 0, -1] };
const PTZ_PAD = [["↖", -1, 1], ["↑", 0, 1], ["↗", 1, 1], ["←", -1, 0], null, ["→", 1, 0], ["↙", -1, -1], ["↓", 0, -1], ["↘", 1, -1]];

class Ptz {
  constructor(camera, labels, box) {
    this.camera = camera;
    this.labels = labels || {};
    this.url = `/api/wall/ptz/${encodeURIComponent(camera)}`;
    this.node = el("div", "zz-ptz");
    this.node.hidden = true;
    this.msg = el("span", "zz-ptz-msg");
    this.moving = null;
    this.presets = [];
    box.appendChild(this.node);
    this.load();
  }

  async load() {
    try {
      const r = await fetch(this.url, { credentials: "same-origin" });
      const info = await r.json();
      if (!r.ok || !info.ptz || !info.allowed) return;
      this.presets = info.presets || [];
      this.build();
    } catch (e) { /* no PTZ controls when the route is unreachable */ }
  }

  async send(cmd) {
    try {
      const r = await fetch(this.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(cmd),
      });
      const answer = await r.json().catch(() => ({}));
      this.msg.textContent = r.ok ? "" : this.labels.failed;
      this.node.dataset.last = r.ok ? cmd.action : "error";
      return r.ok ? answer : null;
    } catch (e) {
      this.msg.textContent = this.labels.failed;
      return null;
    }
  }

  move(pan, tilt, zoom) {
    const key = `${pan},${tilt},${zoom}`;
    if (this.moving === key) return;
    this.moving = key;
    const speed = 0.5;
    this.send({ action: "move", pan: pan * speed, tilt: tilt * speed, zoom: zoom * speed });
  }

  stop() {
    if (this.moving === null) return;
    this.moving = null;
    this.send({ action: "stop" });
  }

  hold(button, pan, tilt, zoom) {
    button.type = "button";
    button.addEventListener("pointerdown", (ev) => { ev.preventDefault(); this.move(pan, tilt, zoom); });
    for (const name of ["pointerup", "pointerleave", "pointercancel"]) button.addEventListener(name, () => this.stop());
  }

  build() {
    const pad = el("div", "zz-ptz-pad");
    for (const cell of PTZ_PAD) {
      if (!cell) { const stop = el("button", "zz-ptz-stop", "■"); stop.type = "button"; stop.title = this.labels.stop; stop.addEventListener("click", () => { this.moving = ""; this.stop(); }); pad.appendChild(stop); continue; }
      const b = el("button", "zz-ptz-dir", cell[0]);
      b.title = this.labels.turn;
      b.dataset.dir = `${cell[1]},${cell[2]}`;
      this.hold(b, cell[1], cell[2], 0);
      pad.appendChild(b);
    }
    const zoom = el("div", "zz-ptz-zoom");
    const zin = el("button", "zz-ptz-zin", "+"); zin.title = this.labels.zoom_in; this.hold(zin, 0, 0, 1);
    const zout = el("button", "zz-ptz-zout", "−"); zout.title = this.labels.zoom_out; this.hold(zout, 0, 0, -1);
    zoom.append(zin, zout);
    this.select = el("select", "zz-ptz-presets");
    this.fillPresets();
    const go = el("button", "zz-ptz-go", this.labels.goto); go.type = "button";
    go.addEventListener("click", () => { if (this.select.value) this.send({ action: "goto", preset: this.select.value }); });
    const name = el("input", "zz-ptz-name"); name.placeholder = this.labels.preset_name; name.maxLength = 64;
    const save = el("button", "zz-ptz-save", this.labels.save); save.type = "button";
    save.addEventListener("click", async () => {
      const text = name.value.trim();
      if (!text) { name.focus(); return; }
      const answer = await this.send({ action: "set_preset", name: text });
      if (answer && answer.preset) { this.presets.push({ token: answer.preset, name: text }); this.fillPresets(answer.preset); name.value = ""; }
    });
    const presets = el("div", "zz-ptz-row");
    presets.append(el("span", "zz-ptz-label", this.labels.presets), this.select, go, name, save);
    const keys = el("div", "zz-ptz-keys", this.labels.keys);
    const side = el("div", "zz-ptz-side");
    side.append(presets, keys, this.msg);
    this.node.append(el("span", "zz-ptz-title", this.labels.title), pad, zoom, side);
    this.node.hidden = false;
  }

  fillPresets(chosen) {
    this.select.replaceChildren();
    const none = el("option", null, this.presets.length ? this.labels.choose : this.labels.none);
    none.value = "";
    this.select.appendChild(none);
    this.presets.forEach((p) => { const o = el("option", null, p.name); o.value = p.token; this.select.appendChild(o); });
    if (chosen) this.select.value = chosen;
  }

  key(ev, down) {
    if (this.node.hidden) return false;
    const k = ev.key.toLowerCase();
    const dir = PTZ_KEYS[k];
    if (dir) {
      if (down) this.move(...dir); else this.stop();
      return true;
    }
    if (down && /^[1-9]$/.test(k) && this.presets[Number(k) - 1]) {
      this.send({ action: "goto", preset: this.presets[Number(k) - 1].token });
      return true;
    }
    return false;
  }

  close() { this.stop(); }
}

class Wall {
  constructor(parent) {
    this.parent = parent;
    this.config = null;
    this.tiles = new Map(); // camera id -> {node, img, url, frames, ...}
    this.ws = null;
    this.retry = 0;
    this.closed = false;
    this.lastState = null;
    this.root = el("div", "zz-wall");
    this.ribbon = el("div", "zz-ribbon");
    this.ribbonCells = {};
    this.stage = el("div", "zz-stage");
    this.grid = el("div", "zz-grid");
    this.stage.appendChild(this.grid);
    this.bottom = el("div", "zz-bottom");
    this.tourChip = el("div", "zz-tour");
    this.tourChip.hidden = true;
    this.feed = el("div", "zz-feed");
    this.bottom.append(this.tourChip, this.feed);
    this.status = el("div", "zz-conn");
    this.focus = el("div", "zz-focus");
    this.focus.hidden = true;
    this.selected = -1; // index of the tile the arrow keys stand on
    this.root.append(this.ribbon, this.stage, this.bottom, this.status, this.focus);
    parent.appendChild(this.root);
    this.onVisibility = () => {
      if (!document.hidden && (!this.ws || this.ws.readyState > 1)) this.connect();
    };
    document.addEventListener("visibilitychange", this.onVisibility);
    this.onKey = (ev) => this.key(ev);
    this.onKeyUp = (ev) => this.keyUp(ev);
    this.onResize = () => this.fit();
    window.addEventListener("resize", this.onResize);
    // The controls above a normal wall may change height (a longer breadcrumb, a rerun that
    // draws a notice): refit as soon as the page's main block changes size, and every second.
    const block = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (block && window.ResizeObserver) {
      this.blockObserver = new ResizeObserver(() => this.fit());
      this.blockObserver.observe(block);
    }
    this.fitTimer = setInterval(() => { this.fit(); this.tick(); }, 1000);
  }

  // Fit the whole wall (ribbon, tiles, ticker) into the window below whatever is above it.
  fit() {
    if (!this.config || this.config.mode === "tiles") {
      this.root.style.height = "";
      return;
    }
    const top = this.root.getBoundingClientRect().top;
    const margin = this.config.kiosk ? 0 : 8;
    const height = Math.max(240, Math.floor(window.innerHeight - Math.max(0, top) - margin));
    const value = height + "px";
    if (this.root.style.height !== value) this.root.style.height = value;
  }

  // The clock in the ribbon, in the product's time zone.
  tick() {
    if (!this.clockTime || !this.clockFormat) return;
    const now = new Date();
    this.clockTime.textContent = this.clockFormat.time.format(now);
    this.clockDate.textContent = this.clockFormat.date.format(now);
  }

  key(ev) {
    if (!this.config || this.config.mode === "tiles" || ev.defaultPrevented) return;
    const target = ev.composedPath()[0];
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable], [role=combobox], [role=listbox]")) return;
    const open = !this.focus.hidden;
    if (open && this.ptz && !ev.ctrlKey && !ev.metaKey && !ev.altKey && this.ptz.key(ev, true)) {
      ev.preventDefault();
      return;
    }
    if (ev.key === "Escape") {
      if (open) { this.closeFocus(); ev.preventDefault(); }
      return;
    }
    const nodes = [...this.grid.querySelectorAll(".zz-tile")];
    if (!nodes.length) return;
    const cols = Number(this.grid.style.getPropertyValue("--zz-cols")) || 1;
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[ev.key];
    if (step !== undefined) {
      ev.preventDefault();
      let at = this.selected;
      if (open) at = nodes.findIndex((n) => n.dataset.camera === this.focus.dataset.camera);
      at = at < 0 ? 0 : Math.min(nodes.length - 1, Math.max(0, at + step));
      this.select(at, nodes);
      if (open) this.openFocus(nodes[at].dataset.camera);
    } else if (ev.key === "Enter" && !open && this.selected >= 0 && nodes[this.selected]) {
      ev.preventDefault();
      this.openFocus(nodes[this.selected].dataset.camera);
    }
  }

  select(index, nodes) {
    nodes = nodes || [...this.grid.querySelectorAll(".zz-tile")];
    nodes.forEach((n, i) => n.classList.toggle("zz-selected", i === index));
    this.selected = index;
    this.root.dataset.selected = nodes[index] ? nodes[index].dataset.camera : "";
  }

  configure(data) {
    const prev = this.config;
    this.config = data;
    this.labels = data.labels || {};
    this.root.classList.toggle("zz-kiosk", !!data.kiosk);
    this.root.classList.toggle("zz-compact", data.mode === "tiles");
    this.root.classList.toggle("zz-fit", data.mode !== "tiles");
    this.root.dataset.layout = String(data.layout);
    const cols = Math.max(1, Math.ceil(Math.sqrt(data.layout)));
    this.grid.style.setProperty("--zz-cols", String(cols));
    this.grid.style.setProperty("--zz-rows", String(Math.max(1, Math.ceil(data.layout / cols))));
    this.ribbon.hidden = data.mode === "tiles";
    this.bottom.hidden = data.mode === "tiles";
    if (data.mode !== "tiles") document.addEventListener("keydown", this.onKey);
    if (data.mode !== "tiles") document.addEventListener("keyup", this.onKeyUp);
    if (!prev || prev.lang !== data.lang || prev.tz !== data.tz) {
      this.clockFormat = data.tz ? {
        time: new Intl.DateTimeFormat(data.lang, { timeZone: data.tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }),
        date: new Intl.DateTimeFormat(data.lang, { timeZone: data.tz, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short" }),
      } : null;
      this.buildRibbon();
    }
    this.fit();
    requestAnimationFrame(() => this.fit());
    const subscription = JSON.stringify(this.subscription());
    if (subscription !== this.sentSubscription) {
      this.sentSubscription = null;
      if (this.ws && this.ws.readyState === 1) this.subscribe();
      else if (!this.ws) this.connect();
    }
    if (data.focus && (!prev || prev.focus !== data.focus)) this.openFocus(data.focus);
  }

  subscription() {
    const c = this.config;
    return { scope: c.scope, layout: c.layout, lang: c.lang, cameras: c.cameras || null,
             tour: c.tour || null, screen: c.screen || null };
  }

  subscribe() {
    const text = JSON.stringify(this.subscription());
    this.ws.send(text);
    this.sentSubscription = text;
  }

  connect() {
    if (this.closed) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${this.config.endpoint}`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.setConn(this.labels.connecting);
    ws.onopen = () => {
      this.retry = 0;
      this.setConn(null);
      this.subscribe();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") this.applyState(JSON.parse(ev.data));
      else this.applyFrame(ev.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      this.setConn(this.labels.disconnected);
      const delay = Math.min(10000, 500 * 2 ** this.retry++);
      setTimeout(() => { if (!this.ws) this.connect(); }, delay);
    };
  }

  setConn(text) {
    this.status.textContent = text || "";
    this.status.hidden = !text;
  }

  buildRibbon() {
    this.ribbon.replaceChildren();
    this.ribbonCells = {};
    for (const [key] of RIBBON) {
      const cell = el("div", "zz-kpi");
      cell.dataset.kpi = key;
      const value = el("div", "zz-kpi-value", "—");
      const name = el("div", "zz-kpi-name", (this.labels.kpi || {})[key] || key);
      cell.append(value, name);
      this.ribbon.appendChild(cell);
      this.ribbonCells[key] = value;
    }
    const clock = el("div", "zz-kpi zz-clock");
    this.clockTime = el("div", "zz-kpi-value zz-clock-time", "—");
    this.clockDate = el("div", "zz-kpi-name zz-clock-date", "");
    clock.title = this.labels.clock || "";
    clock.append(this.clockTime, this.clockDate);
    this.ribbon.appendChild(clock);
    this.tick();
    if (this.lastState) this.applyState(this.lastState);
  }

  applyState(state) {
    if (state.error) {
      this.setConn(state.error);
      return;
    }
    this.lastState = state;
    for (const [key, fmt] of RIBBON) {
      const cell = this.ribbonCells[key];
      if (cell) {
        const text = fmt(state.kpis ? state.kpis[key] : null);
        if (cell.textContent !== text) cell.textContent = text;
      }
    }
    this.root.dataset.version = String(state.version || 0);
    this.syncTiles(state.tiles || []);
    this.syncFeed(state.alerts || []);
    this.syncTour(state.tour || null);
  }

  syncTour(tour) {
    const L = this.labels.tour || {};
    this.tourChip.hidden = !tour;
    this.root.dataset.tour = tour ? String(tour.id) : "";
    this.root.dataset.tourPage = tour ? String(tour.page) : "";
    this.root.dataset.tourPaused = tour && tour.paused ? "1" : "";
    if (!tour) return;
    const page = (L.page || "").replace("{page}", tour.page).replace("{pages}", tour.pages).replace("{interval}", tour.interval);
    this.tourChip.replaceChildren(el("b", null, L.name || ""), el("span", "zz-tour-name", tour.name),
      el("span", "zz-tour-page", tour.paused ? L.paused : page));
    this.tourChip.classList.toggle("zz-paused", !!tour.paused);
  }

  syncTiles(list) {
    const wanted = new Set(list.map((t) => t.camera));
    for (const [id, tile] of this.tiles) {
      if (!wanted.has(id)) {
        if (tile.url) URL.revokeObjectURL(tile.url);
        tile.node.remove();
        this.tiles.delete(id);
      }
    }
    if (!list.length) {
      if (!this.empty) {
        this.empty = el("div", "zz-empty", this.labels.no_cameras);
        this.grid.appendChild(this.empty);
      }
    } else if (this.empty) {
      this.empty.remove();
      this.empty = null;
    }
    list.forEach((info, index) => {
      let tile = this.tiles.get(info.camera);
      if (!tile) {
        tile = this.makeTile(info);
        this.tiles.set(info.camera, tile);
      }
      if (this.grid.children[index] !== tile.node) this.grid.insertBefore(tile.node, this.grid.children[index] || null);
      this.fillOverlay(tile, info);
    });
    if (this.selected >= list.length) this.select(list.length - 1);
  }

  makeTile(info) {
    const node = el("div", "zz-tile");
    node.dataset.camera = info.camera;
    node.dataset.frames = "0";
    const img = el("img", "zz-video");
    img.alt = "";
    img.decoding = "async";
    const top = el("div", "zz-ov zz-ov-top");
    const name = el("span", "zz-cam");
    const badge = el("span", "zz-badge");
    top.append(name, badge);
    const bottom = el("div", "zz-ov zz-ov-bottom");
    const center = el("span", "zz-center");
    const counts = el("span", "zz-counts");
    bottom.append(center, counts);
    const nosignal = el("div", "zz-nosignal", this.labels.no_signal);
    node.append(img, nosignal, top, bottom);
    node.addEventListener("click", () => {
      this.select([...this.grid.querySelectorAll(".zz-tile")].indexOf(node));
      this.openFocus(info.camera);
    });
    return { node, img, name, badge, center, counts, nosignal, url: null, frames: 0, key: "" };
  }

  fillOverlay(tile, info) {
    const L = this.labels;
    const key = JSON.stringify(info);
    if (tile.key === key) return;
    tile.key = key;
    tile.info = info;
    tile.name.textContent = info.name;
    tile.badge.textContent = (L.status || {})[info.status] || info.status;
    tile.badge.className = "zz-badge zz-st-" + info.status;
    tile.center.textContent = info.center_name;
    tile.counts.replaceChildren(
      this.count(L.open, info.open, "zz-c-open"),
      this.count(L.overdue, info.overdue, info.overdue ? "zz-c-overdue zz-hot" : "zz-c-overdue"),
      this.count(L.high, info.high_risk, info.high_risk ? "zz-c-high zz-hot" : "zz-c-high"),
    );
    tile.node.classList.toggle("zz-highlight", !!info.highlight);
    tile.node.classList.toggle("zz-down", info.status === "offline");
  }

  count(label, value, cls) {
    const span = el("span", "zz-count " + cls);
    span.append(el("b", null, fmtNum(value)), el("i", null, label));
    return span;
  }

  applyFrame(buffer) {
    const view = new DataView(buffer);
    const idLen = view.getUint8(0);
    const id = new TextDecoder().decode(new Uint8Array(buffer, 1, idLen));
    const tile = this.tiles.get(id);
    if (!tile) return;
    const blob = new Blob([new Uint8Array(buffer, 1 + idLen)], { type: "image/jpeg" });
    const url = URL.createObjectURL(blob);
    const old = tile.url;
    tile.url = url;
    tile.img.onload = () => {
      if (old) URL.revokeObjectURL(old);
      tile.frames += 1;
      tile.node.dataset.frames = String(tile.frames);
      tile.node.classList.add("zz-live");
    };
    tile.img.src = url;
  }

  syncFeed(alerts) {
    const key = JSON.stringify(alerts);
    if (this.feedKey === key) return;
    this.feedKey = key;
    this.feed.replaceChildren(el("span", "zz-feed-title", this.labels.alert_feed));
    // One alert may use the whole line; several share it.
    this.feed.style.setProperty("--zz-feed-n", String(Math.max(alerts.length, 1)));
    for (const a of alerts) {
      const item = el("span", "zz-feed-item zz-sev-" + a.severity);
      item.append(el("b", null, a.kind_label), el("span", null, a.center_name), el("span", "zz-feed-msg", a.message));
      this.feed.appendChild(item);
    }
  }

  openFocus(camera) {
    const tile = this.tiles.get(camera);
    const info = tile ? tile.info : { name: camera, center_name: "", status: "unknown" };
    const box = el("div", "zz-focus-box");
    const img = el("img", "zz-focus-video");
    img.alt = "";
    img.src = `${this.config.stream_prefix}/${encodeURIComponent(camera)}.mjpg?stream=main`;
    const bar = el("div", "zz-focus-bar");
    bar.append(
      el("span", "zz-cam", info.name),
      el("span", "zz-center", info.center_name),
      el("span", "zz-badge", this.labels.main_stream),
    );
    const close = el("button", "zz-focus-close", this.labels.close);
    close.type = "button";
    close.addEventListener("click", () => this.closeFocus());
    bar.appendChild(close);
    box.append(img, bar);
    this.closeFocus();
    this.ptz = new Ptz(camera, this.labels.ptz, box);
    this.focus.appendChild(box);
    this.focus.dataset.camera = camera;
    this.focus.hidden = false;
  }

  keyUp(ev) {
    const target = ev.composedPath()[0];
    if (target && target.closest && target.closest("input, textarea, select")) return;
    if (this.ptz && !this.focus.hidden && this.ptz.key(ev, false)) ev.preventDefault();
  }

  closeFocus() {
    if (this.ptz) { this.ptz.close(); this.ptz = null; }
    const img = this.focus.querySelector("img");
    if (img) img.src = ""; // ends the MJPEG request so the main stream can idle and close
    this.focus.replaceChildren();
    this.focus.hidden = true;
    delete this.focus.dataset.camera;
  }

  destroy() {
    this.closed = true;
    document.removeEventListener("visibilitychange", this.onVisibility);
    document.removeEventListener("keydown", this.onKey);
    document.removeEventListener("keyup", this.onKeyUp);
    window.removeEventListener("resize", this.onResize);
    clearInterval(this.fitTimer);
    if (this.blockObserver) this.blockObserver.disconnect();
    this.closeFocus();
    if (this.ws) this.ws.close();
    for (const tile of this.tiles.values()) if (tile.url) URL.revokeObjectURL(tile.url);
    this.root.remove();
  }
}

export default function (component) {
  const { data, parentElement } = component;
  let wall = parentElement[STATE_KEY];
  if (!wall) {
    wall = new Wall(parentElement);
    parentElement[STATE_KEY] = wall;
  }
  wall.configure(data);
  return () => {
    wall.destroy();
    delete parentElement[STATE_KEY];
  };
}
