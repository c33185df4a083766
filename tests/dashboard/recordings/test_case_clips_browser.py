"""Evidence clips on the case page, in Chromium, across accounts.

The product runs with accounts and two recorded simulated cameras stamping their capture time
(``case_clips_app``). The township operator keeps a clip of both of the case's cameras from the
case page; the village operator holding the case's order and the county leader (two levels
above the village) each find the case by its number, see both clips (local times, duration,
who kept them, SHA-256), play them in the page with Chromium's own decoder (the picture shows
a time inside the clip) and download the original (its SHA-256 is the one shown) and the
burned-in export; an operator of another county gets 403 from the clip routes. Screenshots:
``artifacts/case-clips/``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dispatch.sla import TZ
from streams.stamp import read_stamp
from tests.browser import CHROMIUM
from tests.dashboard.recordings.case_clips_app import PASSWORD
from tests.e2e.ui import WAIT, idle
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "case-clips"
ISO = re.compile(r"\d{4}-\d\d-\d\dT")
SEARCH = "搜索编号、标题、地址、报事人、电话…"
#: The picture a <video> shows, at the video's own size, as a PNG data URL.
FRAME_JS = """v => { const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png'); }"""


class App:
    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.dashboard.recordings.case_clips_app", str(data), str(self.port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.pump = threading.Thread(target=self._pump, name="case-clips-app", daemon=True)
        self.pump.start()
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, "the product exited:\n" + "\n".join(self.lines[-30:])
            assert time.monotonic() < deadline, "the product did not start"
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.number = next(line.split()[1] for line in self.lines if line.startswith("CASE "))
        self.started = time.time()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self.pump.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    made = App(tmp_path)
    try:
        yield made
    finally:
        made.stop()


def sign_in(browser: Browser, app: App, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{app.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"), timeout=60_000)
    return page


def find_case(page: Page, number: str) -> None:
    """From the desk, by six digits of the number in the search box, then the result."""
    page.get_by_role("link", name="事件调度").click()
    box = page.get_by_placeholder(SEARCH)
    expect(box).to_be_visible(timeout=WAIT)
    box.fill(number[-6:])
    box.press("Enter")
    hit = page.get_by_role("button", name=re.compile(re.escape(number)))
    expect(hit).to_have_count(1, timeout=WAIT)
    heading = page.locator(".zz-title").last
    for attempt in range(2):  # a click landing while the results redraw is lost: click again
        idle(page)
        if hit.count():
            hit.click()
        try:
            expect(heading).to_contain_text(number, timeout=WAIT // 2 if attempt == 0 else WAIT)
            break
        except AssertionError:
            if attempt == 1:
                raise
    idle(page)


def shot(page: Page, name: str) -> None:
    """The whole main area (it scrolls inside the page): the viewport made as tall as it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    idle(page)
    size = page.viewport_size or {"width": 1600, "height": 1100}
    tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 5000))})
    try:
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        page.set_viewport_size(size)


def shown_stamp(page: Page, clip_id: str) -> float:
    """Play the clip in the page for a moment, pause, and read the capture time it shows."""
    video = page.locator(f"video[data-clip='{clip_id}']")
    video.scroll_into_view_if_needed()
    page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle(), timeout=WAIT)
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 1.0", arg=video.element_handle(), timeout=WAIT)
    video.evaluate("v => v.pause()")
    page.wait_for_function("v => v.paused && !v.seeking && v.readyState >= 2",
                           arg=video.element_handle(), timeout=WAIT)
    url = str(video.evaluate(FRAME_JS))
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L"))
    ms = read_stamp(grey)
    assert ms is not None, "the played picture carries its capture time"
    return ms / 1000


def clip_ids(page: Page) -> list[str]:
    return [str(c.get_attribute("data-clip")) for c in page.locator("div.zz-clip").all()]


def check_clips(page: Page, who: str, sha: dict[str, str], spans: dict[str, tuple[float, float]]) -> None:
    """Both clips listed, played and downloaded as ``who``."""
    section = page.locator("[data-testid='stMain']")
    expect(page.locator("div.zz-clip")).to_have_count(2, timeout=WAIT)
    words = section.inner_text()
    assert "江那镇政府门口" in words and "江那社区广场" in words
    assert "截取人：江那镇调度员" in words and re.search(r"（\d+ 秒）", words)
    assert not ISO.search(words) and "None" not in words
    for clip_id, full in sha.items():
        assert f"SHA-256 {full[:12]}…" in words
        start, end = spans[clip_id]
        at = shown_stamp(page, clip_id)
        assert start - 0.5 <= at <= end + 0.5, f"{who}: the picture of clip {clip_id} is from its interval"
    shot(page, f"{who}-case")
    first = next(iter(sha))
    with page.expect_download() as got:
        page.locator(f"div.zz-clip[data-clip='{first}'] a.zz-clip-original").click()
    original = Path(got.value.path()).read_bytes()
    assert hashlib.sha256(original).hexdigest() == sha[first], "the original as kept"
    with page.expect_download(timeout=60_000) as got:
        page.locator(f"div.zz-clip[data-clip='{first}'] a.zz-clip-export").click()
    exported = Path(got.value.path()).read_bytes()
    assert exported[4:8] == b"ftyp" and exported != original, "the burned-in export is a new file"


@pytest.mark.browser
def test_case_clips_kept_found_and_played_across_accounts(app: App) -> None:
    time.sleep(max(0.0, app.started + 10 - time.time()))  # recording since the start
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        # 1. The township operator keeps a clip of both cameras from the case page.
        town = sign_in(browser, app, "zhen.op")
        find_case(town, app.number)
        expect(town.get_by_text("本事件还没有录像片段")).to_be_visible(timeout=WAIT)
        form = town.locator("[data-testid='stForm']").filter(has_text="截取片段")
        form.get_by_label("之前（秒）").fill("5")
        form.get_by_label("之后（秒）").fill("3")
        cameras = form.locator("[data-testid='stMultiSelect']")
        cameras.click()
        town.get_by_role("option", name="江那社区广场").click()
        town.keyboard.press("Escape")
        moment = form.get_by_label("时刻（时:分:秒）")
        moment.fill("25:61")
        form.get_by_role("button", name="截取片段").click()
        expect(town.get_by_text("时刻“25:61”不是有效时间")).to_be_visible(timeout=WAIT)
        idle(town)
        form.get_by_label("时刻（时:分:秒）").fill(local_clock(time.time() - 8))
        form.get_by_role("button", name="截取片段").click()
        expect(town.get_by_text("已保存 2 个录像片段作为证据")).to_be_visible(timeout=60_000)
        idle(town)
        ids = clip_ids(town)
        assert len(ids) == 2
        sha: dict[str, str] = {}
        spans: dict[str, tuple[float, float]] = {}
        for clip_id in ids:
            info = town.request.get(f"{app.url}/recordings/clips/{clip_id}.mp4")
            assert info.status == 200 and info.headers["content-type"] == "video/mp4"
            sha[clip_id] = hashlib.sha256(info.body()).hexdigest()
            spans[clip_id] = span_of(info.body())
            # 5 s before the moment to 3 s after it, from the keyframe before.
            assert spans[clip_id][1] - spans[clip_id][0] >= 7.0
        check_clips(town, "township", sha, spans)
        # Simulated cameras give pictures only: their recordings were encoded, and say so.
        timeline = town.request.get(f"{app.url}/recordings/cam-jiangna-1/timeline",
                                    params={"start": app.started - 60, "end": time.time()}).json()
        assert timeline["segments"] and all(s["transcoded"] for s in timeline["segments"])

        # 2. The village operator holding the order, then the county leader: find, play, download.
        for username, who in (("cun.op", "village"), ("xian.leader", "county")):
            page = sign_in(browser, app, username)
            find_case(page, app.number)
            check_clips(page, who, sha, spans)
            page.context.close()

        # 3. Another county's operator: the routes refuse, the case is not found.
        other = sign_in(browser, app, "xichou.op")
        for clip_id in ids:
            assert other.request.get(f"{app.url}/recordings/clips/{clip_id}.mp4").status == 403
            assert other.request.get(f"{app.url}/recordings/clips/{clip_id}/export.mp4").status == 403
        other.goto(f"{app.url}/dispatch?case={app.number}")
        expect(other.get_by_text("事件不存在或不在您的范围内")).to_be_visible(timeout=WAIT)
        assert other.locator("div.zz-clip").count() == 0
        shot(other, "other-county")
        browser.close()


def local_clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, TZ).strftime("%H:%M:%S")


def span_of(body: bytes) -> tuple[float, float]:
    """A clip's interval as its own pictures say (first and last capture time)."""
    times = []
    with av.open(io.BytesIO(body)) as container:
        for frame in container.decode(video=0):
            ms = read_stamp(frame.to_ndarray(format="gray"))
            if ms is not None:
                times.append(ms / 1000)
    assert times, "the kept clip decodes with stamped pictures"
    return times[0], times[-1]
