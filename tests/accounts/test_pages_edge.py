"""Pages of a real ``st.App`` behind the auth edge, in a subprocess, driven by httpx and Chromium.

Unauthenticated page requests go to /login; Streamlit's socket refuses other origins; a village
operator logs in with Chromium, its page knows who it is, and a direct URL to another
village's camera is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.accounts.conftest import AccountsDb
from tests.accounts.test_http_edge import ws_handshake
from tests.browser import CHROMIUM
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "accounts"


class StServer:
    def __init__(self, database_url: str, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
               "STREAMLIT_SERVER_HEADLESS": "true", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.accounts.st_app.server", database_url, str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "READY":
            self.stop()
            pytest.fail(f"st.App did not start: {line!r} {self.stderr}")
        deadline = time.monotonic() + 30
        while True:  # the lifespan ran; wait until the socket answers
            try:
                httpx.get(f"{self.base}/_stcore/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "st.App does not answer"
                time.sleep(0.1)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.stderr = self.proc.stderr.read() if self.proc.stderr else ""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


@pytest.fixture
def st_server(adb: AccountsDb, database_url: str) -> Iterator[StServer]:
    adb.user("op.village")
    server = StServer(database_url)
    yield server
    server.stop()


def test_streamlit_pages_need_a_session(st_server: StServer) -> None:
    with httpx.Client(base_url=st_server.base, timeout=20) as c:
        root = c.get("/")
        assert root.status_code == 303 and root.headers["location"] == "/login?next=%2F"
        assert c.get("/static/js/whatever.js").status_code == 303
        assert c.get("/_stcore/health").status_code == 200  # monitoring stays public
        assert c.get("/_stcore/host-config").status_code == 401
        assert c.get("/streams/cam-jiangna-1.jpg").status_code == 401
    assert ws_handshake(st_server.port, {"Origin": st_server.base}).split()[1] == b"403"


def test_village_operator_in_chromium(st_server: StServer, adb: AccountsDb) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backend = adb.db.engine.dialect.name
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            page = browser.new_page()
            page.goto(f"{st_server.base}/")
            assert page.url.startswith(f"{st_server.base}/login?next=")
            assert page.get_by_text("综治中心视频指挥调度").is_visible()
            page.screenshot(path=str(ARTIFACTS / f"login-{backend}.png"))
            page.fill("#username", "op.village")
            page.fill("#password", "wrong-password-1")
            page.click("button[type=submit]")
            page.get_by_text("用户名或密码错误").wait_for(timeout=30_000)
            page.fill("#password", adb.user("op.village"))
            page.click("button[type=submit]")
            page.wait_for_url(f"{st_server.base}/")
            page.get_by_text("op.village@532600/532622/532622101/532622101201").wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / f"page-{backend}.png"))
            cookies = {c["name"]: c for c in page.context.cookies()}
            assert cookies["zongzhi_session"]["httpOnly"] and cookies["zongzhi_session"]["sameSite"] == "Lax"
            assert page.evaluate("document.cookie").find("zongzhi_session") == -1

            refused = page.goto(f"{st_server.base}/streams/cam-dage-village.jpg")
            assert refused is not None and refused.status == 403
            deadline = time.monotonic() + 30
            while True:
                own = page.goto(f"{st_server.base}/streams/cam-jiangna-1.jpg")
                assert own is not None
                if own.status != 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert own.status == 200 and own.headers["content-type"] == "image/jpeg"
        finally:
            browser.close()
