"""Playback in Debian's Chromium: the page plays a camera's recordings with the browser's own
H.264 decoder, and a seek on the timeline shows the picture stamped with that time."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

from streams.stamp import read_stamp
from tests.browser import CHROMIUM
from tests.live import free_port
from tests.streams.record.conftest import StampedCamera

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def start_app(data: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.dashboard.recordings.playback_app",
                             str(data), str(port), url], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, "the product exited"
        assert time.monotonic() < deadline, "the product did not start"
        try:
            if httpx.get(f"{base}/_stcore/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


def stamp_of(png: bytes) -> float | None:
    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    ms = read_stamp(grey)
    return ms / 1000 if ms is not None else None


def test_seek_shows_the_picture_of_that_time(stamped_camera: Callable[[], StampedCamera],
                                            tmp_path: Path) -> None:
    cam = stamped_camera()
    proc, base = start_app(tmp_path, cam.url)
    try:
        began = time.time()
        time.sleep(9)  # a few segments recorded and indexed
        at = began + 4
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**CHROMIUM)
            page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
            page.goto(f"{base}/recordings?camera=cam-jiangna-1&at={at:.3f}")
            page.wait_for_selector(".zz-playback[data-ready='1']", timeout=60_000)
            assert page.locator(".zz-segment").count() >= 2
            video = page.locator("video[data-camera='cam-jiangna-1']")
            page.wait_for_function("v => v.readyState >= 2 && !v.seeking",
                                   arg=video.element_handle(), timeout=20_000)
            first = stamp_of(video.screenshot())
            assert first is not None and abs(first - at) < 0.6, (first, at)

            # A click on the timeline, 2.5 s later: the page's clock and the picture follow.
            lane = page.locator(".zz-lane").first.bounding_box()
            assert lane is not None
            root = page.locator(".zz-playback")
            start, end = (float(root.get_attribute(k) or 0) for k in ("data-start", "data-end"))
            target = at + 2.5
            x = lane["x"] + (target - start) / (end - start) * lane["width"]
            page.mouse.click(x, lane["y"] + lane["height"] / 2)
            page.wait_for_function("v => v.readyState >= 2 && !v.seeking",
                                   arg=video.element_handle(), timeout=20_000)
            page.wait_for_timeout(300)
            seeked = float(root.get_attribute("data-t") or 0)
            assert abs(seeked - target) < 1.5
            shown = stamp_of(video.screenshot())
            assert shown is not None and abs(shown - seeked) < 0.6, (shown, seeked)
            clock = page.locator(".zz-clock").inner_text()
            assert "T" not in clock and ":" in clock  # local time, never ISO

            # Play at 4×: the picture moves on faster than the wall clock.
            page.locator(".zz-speed[data-rate='4']").click()
            page.locator(".zz-play").click()
            page.wait_for_timeout(1000)
            page.locator(".zz-play").click()
            page.wait_for_function("v => v.paused && v.readyState >= 2 && !v.seeking",
                                   arg=video.element_handle(), timeout=20_000)
            later = stamp_of(video.screenshot())
            assert later is not None and later - shown > 2.0, (shown, later)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "playback.png"), full_page=True)
            browser.close()
    finally:
        proc.kill()
        proc.wait(10)
