"""The video wall in headless Chromium against a real ``zongzhi demo`` server.

1. Time from navigation until every tile of a 16-tile wall (1920×1080) and of a 25-tile wall
   (3840×2160) has painted a frame (median and worst of several fresh page loads), beside the
   baseline of the same loads: Streamlit's own page load until the wall mounts.
2. Server CPU (seconds of CPU per second, all its threads) with three browsers on the same
   16-tile wall ÷ with one. The tiles share the hub's encoded frames, so each extra screen
   only costs sending bytes already made (target ≤ 1.3). CPU with no browser is printed too.
3. A tour of 32 cameras on a 16-tile wall turning every 5 s, against the static 16-tile wall
   of the same run: pulls (stream reconnects), decoder stops (a group camera's sub-stream left
   with nobody wanting its frames, sampled from ``/metrics`` every 0.2 s; a decoder stopped
   there restarts on the next keyframe when the tour comes back), JPEG encodes per tile-second
   and server CPU.

    python bench/wall.py [--cases 2000] [--seconds 20] [--loads 5] [--tour-seconds 30]

Numbers from a shared 2-core machine are indicative; compare the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import free_port  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PAINTED = """() => { const h = document.querySelector('[data-testid=stBidiComponentIsolated]');
  if (!h || !h.shadowRoot) return -1;
  return [...h.shadowRoot.querySelectorAll('.zz-tile')].filter(t => Number(t.dataset.frames) > 0).length; }"""


METRIC = re.compile(r'^zongzhi_camera_(viewers|reconnects_total|encoded_frames_total)'
                    r'\{camera="([^"]+)",center="[^"]*",stream="(\w+)"\} (\S+)$')


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process (all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


FRAMES = """() => [...document.querySelector('[data-testid=stBidiComponentIsolated]').shadowRoot
  .querySelectorAll('.zz-tile')].reduce((n, t) => n + Number(t.dataset.frames), 0)"""


def cpu_rate(pid: int, seconds: float, pages: list[Page]) -> tuple[float, float]:
    """(server CPU-s/s, frames/s per tile received by the walls) over ``seconds``."""
    f0 = [p.evaluate(FRAMES) for p in pages]
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    f1 = [p.evaluate(FRAMES) for p in pages]
    fps = sum(b - a for a, b in zip(f0, f1, strict=True)) / max(1, len(pages)) / 16 / (t1 - t0)
    return (c1 - c0) / (t1 - t0), fps


def start_server(data: Path, cases: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.server.cli", "demo", "--open", "--data-dir", str(data), "--port", str(port),
         "--cases", str(cases), "--activity", "0"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the demo server did not start")


def open_wall(browser: Browser, url: str, tiles: int = 16, query: str = "") -> tuple[Page, float, float]:
    """A fresh kiosk page on a ``tiles`` wall: (page, seconds to the wall's mount, to all painted)."""
    size = {"width": 3840, "height": 2160} if tiles > 16 else {"width": 1920, "height": 1080}
    page = browser.new_page(viewport=size)
    started = time.perf_counter()
    mounted = None
    page.goto(f"{url}/?kiosk=1&layout={tiles}{query}")
    while (painted := page.evaluate(PAINTED)) < tiles:
        if mounted is None and painted >= 0:
            mounted = time.perf_counter() - started
        if time.perf_counter() - started > 120:
            raise SystemExit(f"the wall did not paint {tiles} tiles within 2 minutes")
        time.sleep(0.01)
    done = time.perf_counter() - started
    return page, mounted if mounted is not None else done, done


def metrics(url: str) -> dict[tuple[str, str], float]:
    """``(family, camera)`` → value of the sub-streams' samples on ``/metrics``."""
    out: dict[tuple[str, str], float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        m = METRIC.match(line)
        if m and m.group(3) == "sub":
            out[(m.group(1), m.group(2))] = float(m.group(4))
    return out


def make_group(data: Path, size: int, interval: int) -> tuple[int, list[str]]:
    """A camera group of the prefecture's first ``size`` cameras, written as the page does."""
    import sqlalchemy as sa

    from dashboard.server.access import open_principal
    from dispatch import scopes, tours
    from dispatch.db import make_engine, make_session_factory
    from dispatch.wall import cameras_in_scope

    engine = make_engine(f"sqlite:///{data / 'zongzhi.db'}")
    try:
        with make_session_factory(engine).begin() as session:
            root_path = session.execute(sa.text("SELECT path FROM centers WHERE level = 1 ORDER BY id LIMIT 1")).scalar_one()
            viewer = open_principal(root_path)
            root = scopes.resolve(session, viewer, None)
            # Not the demo's deliberately failing camera: its reconnects are its own, not the tour's.
            cams = [c.id for c in cameras_in_scope(session, root.path) if c.id != "demo-flaky"][:size]
            group = tours.save_group(session, viewer, root, "bench tour", cams, interval)
            return group.id, cams
    finally:
        engine.dispose()


def watch(url: str, cameras: list[str], seconds: float, pid: int) -> dict[str, float]:
    """Over ``seconds``: reconnects, decoder stops, encodes and CPU of ``cameras``' sub-streams."""
    stops = 0
    before = metrics(url)
    wanted = {c: before.get(("viewers", c), 0) > 0 for c in cameras}
    c0, t0 = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - t0 < seconds:
        now = metrics(url)
        for c in cameras:
            on = now.get(("viewers", c), 0) > 0
            stops += wanted[c] and not on
            wanted[c] = on
        time.sleep(0.2)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    after = metrics(url)
    delta = lambda family: sum(after.get((family, c), 0) - before.get((family, c), 0) for c in cameras)  # noqa: E731
    moved = [c for c in cameras if after.get(("reconnects_total", c), 0) > before.get(("reconnects_total", c), 0)]
    if moved:
        print(f"  reconnected meanwhile: {', '.join(moved)}")
    return {"seconds": t1 - t0, "cpu": (c1 - c0) / (t1 - t0), "reconnects": delta("reconnects_total"),
            "encoded": delta("encoded_frames_total"), "stops": stops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--tour-seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp), args.cases)
        try:
            with sync_playwright() as p:
                launch = lambda: p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)  # noqa: E731
                browsers = [launch() for _ in range(3)]
                for tiles in (16, 25):
                    open_wall(browsers[0], url, tiles)[0].close()  # warm-up: imports, first encodes
                    mounts, times = [], []
                    for _ in range(args.loads):
                        page, mounted, took = open_wall(browsers[0], url, tiles)
                        mounts.append(mounted)
                        times.append(took)
                        page.close()
                    print(f"{tiles} tiles painted after navigation: median {statistics.median(times):.2f} s, "
                          f"worst {max(times):.2f} s over {len(times)} loads; baseline, Streamlit's page "
                          f"load until the wall mounts: median {statistics.median(mounts):.2f} s; "
                          f"the wall's own part: {statistics.median(times) - statistics.median(mounts):.2f} s "
                          f"(painted ÷ mounted {statistics.median(times) / statistics.median(mounts):.2f})")
                time.sleep(3)
                idle, _ = cpu_rate(proc.pid, args.seconds, [])
                pages = [open_wall(browsers[0], url)[0]]
                time.sleep(3)
                one, fps1 = cpu_rate(proc.pid, args.seconds, pages)
                pages += [open_wall(b, url)[0] for b in browsers[1:]]
                time.sleep(3)
                three, fps3 = cpu_rate(proc.pid, args.seconds, pages)
                print(f"server CPU: no browser {idle:.2f}, one browser {one:.2f} ({fps1:.1f} frames/s "
                      f"per tile), three browsers {three:.2f} CPU-s/s ({fps3:.1f} frames/s per tile each)")
                print(f"three browsers ÷ one: {three / one:.2f} (target ≤ 1.3)")
                for page in pages:
                    page.close()
                # A tour against the static wall, same cameras, same run.
                group, cams = make_group(Path(tmp), 32, 5)
                time.sleep(3)
                static_page = open_wall(browsers[0], url)[0]
                time.sleep(3)
                static = watch(url, cams, args.tour_seconds, proc.pid)
                static_page.close()
                time.sleep(3)
                tour_page = open_wall(browsers[0], url, 16, f"&tour={group}")[0]
                time.sleep(3)
                tour = watch(url, cams, args.tour_seconds, proc.pid)
                tour_page.close()
                turns = tour["seconds"] / 5
                per_tile = lambda r: r["encoded"] / 16 / r["seconds"]  # noqa: E731
                print(f"tour of {len(cams)} cameras on 16 tiles, a page every 5 s ({turns:.0f} turns in "
                      f"{tour['seconds']:.0f} s): pulls (reconnects) {tour['reconnects']:.0f} "
                      f"(static wall {static['reconnects']:.0f}), decoder stops {tour['stops']} "
                      f"({tour['stops'] / turns:.2f} per turn; static {static['stops']}), JPEG encodes per "
                      f"tile-second {per_tile(tour):.2f} vs static {per_tile(static):.2f} "
                      f"(ratio {per_tile(tour) / per_tile(static):.2f}), server CPU {tour['cpu']:.2f} vs "
                      f"{static['cpu']:.2f} CPU-s/s (ratio {tour['cpu'] / static['cpu']:.2f})")
                for b in browsers:
                    b.close()
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
