"""End-to-end fixtures: the real ``zongzhi demo`` server and Debian's Chromium via Playwright.

The server is started once per test session as a subprocess on a free port, with a temporary
data folder and a small generated prefecture (so the first start takes seconds), accounts on,
and a brisk field simulator. The printed demo accounts are read from its output.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser import CHROMIUM
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ACCOUNT = re.compile(r"^\s{4}(\S+)\s+(\S+)\s+(\S+)\s+(.*)$")


@dataclass
class DemoServer:
    url: str
    process: subprocess.Popen[str]
    accounts: dict[str, str] = field(default_factory=dict)  # username → password
    output: list[str] = field(default_factory=list)


def _pump(proc: subprocess.Popen[str], lines: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))


def start_demo(data: Path, *args: str) -> tuple[DemoServer, threading.Thread]:
    """``zongzhi demo`` in a subprocess, its output collected; returns once it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.server.cli", "demo", "--data-dir", str(data), "--port", str(port),
         *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    server = DemoServer(f"http://127.0.0.1:{port}", proc)
    pump = threading.Thread(target=_pump, args=(proc, server.output), daemon=True)
    pump.start()
    deadline = time.monotonic() + 240
    while True:
        assert proc.poll() is None, "demo server exited:\n" + "\n".join(server.output[-40:])
        assert time.monotonic() < deadline, "demo server did not start:\n" + "\n".join(server.output[-40:])
        try:
            if httpx.get(f"{server.url}/_stcore/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    for line in server.output:
        m = ACCOUNT.match(line)
        if m:
            server.accounts[m.group(1)] = m.group(2)
    return server, pump


def stop_demo(server: DemoServer, pump: threading.Thread) -> int:
    """Ctrl+C, as an operator stops it; returns the exit code."""
    proc = server.process
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait(10)
    pump.join(10)
    assert proc.stdout is not None
    proc.stdout.close()
    return code


# Package scope: the server and Playwright end with this package, so no Playwright event
# loop is left running in the main thread for the tests collected after it.
@pytest.fixture(scope="package")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    server, pump = start_demo(tmp_path_factory.mktemp("demo-data"), "--cases", "3000",
                              "--activity", "1.0")
    assert "admin" in server.accounts, "\n".join(server.output[-40:])
    try:
        yield server
    finally:
        stop_demo(server, pump)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(**CHROMIUM)
        try:
            yield b
        finally:
            b.close()


def login(context: BrowserContext, server: DemoServer, username: str) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", server.accounts[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"), timeout=30_000)
    return page


@pytest.fixture
def external_requests() -> list[str]:
    return []


@pytest.fixture
def leader(browser: Browser, demo_server: DemoServer, external_requests: list[str]) -> Iterator[Page]:
    """A prefecture leader's browser (sees the whole prefecture)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.on("request", lambda r: external_requests.append(r.url)
               if not r.url.startswith((demo_server.url, "blob:", "data:", "ws://127.0.0.1")) else None)
    try:
        yield login(context, demo_server, "zhou.leader")
    finally:
        context.close()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
