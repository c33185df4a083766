"""The video wall in headless Chromium against a real ``zongzhi demo`` server.

1. Time from navigation until all 16 tiles of a 16-tile wall have painted a frame (median and
   worst of several fresh page loads).
2. Server CPU (seconds of CPU per second, all its threads) with three browsers on the same
   16-tile wall ÷ with one. The tiles share the hub's encoded frames, so each extra screen
   only costs sending bytes already made (target ≤ 1.3). CPU with no browser is printed too.

    python bench/wall.py [--cases 2000] [--seconds 20] [--loads 5]

Numbers from a shared 2-core machine are indicative; compare the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import os
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


def open_wall(browser: Browser, url: str) -> tuple[Page, float, float]:
    """A fresh page on the 16-tile wall: (page, seconds to the wall's mount, to 16 painted)."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    started = time.perf_counter()
    mounted = None
    page.goto(f"{url}/?kiosk=1&layout=16")
    while (painted := page.evaluate(PAINTED)) < 16:
        if mounted is None and painted >= 0:
            mounted = time.perf_counter() - started
        if time.perf_counter() - started > 120:
            raise SystemExit("the wall did not paint 16 tiles within 2 minutes")
        time.sleep(0.01)
    done = time.perf_counter() - started
    return page, mounted if mounted is not None else done, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp), args.cases)
        try:
            with sync_playwright() as p:
                launch = lambda: p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)  # noqa: E731
                browsers = [launch() for _ in range(3)]
                open_wall(browsers[0], url)[0].close()  # warm-up: imports, first encodes
                mounts, times = [], []
                for _ in range(args.loads):
                    page, mounted, took = open_wall(browsers[0], url)
                    mounts.append(mounted)
                    times.append(took)
                    page.close()
                print(f"16 tiles painted after navigation: median {statistics.median(times):.2f} s, "
                      f"worst {max(times):.2f} s over {len(times)} loads (of which Streamlit's page "
                      f"load until the wall mounts: median {statistics.median(mounts):.2f} s)")
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
