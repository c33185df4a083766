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
    this.grid = el("div", "zz-grid");
    this.feed = el("div", "zz-feed");
    this.status = el("div", "zz-conn");
    this.focus = el("div", "zz-focus");
    this.focus.hidden = true;
    this.root.append(this.ribbon, this.grid, this.feed, this.status, this.focus);
    parent.appendChild(this.root);
    this.onVisibility = () => {
      if (!document.hidden && (!this.ws || this.ws.readyState > 1)) this.connect();
    };
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  configure(data) {
    const prev = this.config;
    this.config = data;
    this.labels = data.labels || {};
    this.root.classList.toggle("zz-kiosk", !!data.kiosk);
    this.root.classList.toggle("zz-compact", data.mode === "tiles");
    this.root.dataset.layout = String(data.layout);
    this.grid.style.setProperty("--zz-cols", String(Math.max(1, Math.round(Math.sqrt(data.layout)))));
    this.ribbon.hidden = data.mode === "tiles";
    this.feed.hidden = data.mode === "tiles";
    if (!prev || prev.lang !== data.lang) this.buildRibbon();
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
    return { scope: c.scope, layout: c.layout, lang: c.lang, cameras: c.cameras || null };
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
    node.addEventListener("click", () => this.openFocus(info.camera));
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
    this.focus.appendChild(box);
    this.focus.dataset.camera = camera;
    this.focus.hidden = false;
  }

  closeFocus() {
    const img = this.focus.querySelector("img");
    if (img) img.src = ""; // ends the MJPEG request so the main stream can idle and close
    this.focus.replaceChildren();
    this.focus.hidden = true;
    delete this.focus.dataset.camera;
  }

  destroy() {
    this.closed = true;
    document.removeEventListener("visibilitychange", this.onVisibility);
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
