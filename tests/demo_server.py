"""The real ``zongzhi demo`` with accounts, started for browser tests that log in as its
demo accounts (``--cases 1500 --activity 0``: a light prefecture and a quiet field; ``--record 0``
unless the test passes ``--record``).

:class:`Demo` runs the server in a subprocess on a free port and reads the printed accounts
(username → password, home center code and name); :func:`login` signs a browser context in through
``/login``; :func:`api_client` signs an HTTP client in the same way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = re.compile(r"^\s{4}(\S+)\s+(\S+)\s+(\S+)\s+(.*)\((\d+)\)$")


class Demo:
    def __init__(self, data: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.server.cli", "demo", "--data-dir", str(data),
             "--port", str(self.port), *(args or ("--cases", "1500", "--activity", "0")),
             # Recording encodes simulated pictures: only the tests of playback ask for it.
             *(() if "--record" in args else ("--record", "0"))],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.pump = threading.Thread(target=self._pump, name="demo-output", daemon=True)
        self.pump.start()
        deadline = time.monotonic() + 240
        while True:
            assert self.proc.poll() is None, "demo exited:\n" + "\n".join(self.lines[-30:])
            assert time.monotonic() < deadline, "demo did not start:\n" + "\n".join(self.lines[-30:])
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        printed = [m for m in map(ACCOUNT.match, self.lines) if m]
        #: username → (password, home center code)
        self.accounts = {m.group(1): (m.group(2), m.group(5)) for m in printed}
        #: username → the name of its home center
        self.centers = {m.group(1): m.group(4).strip() for m in printed}

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.pump.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def api_client(demo: Demo, username: str) -> closing[httpx.Client]:
    c = httpx.Client(base_url=demo.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = c.post("/login", data={"username": username, "password": demo.accounts[username][0],
                                    "csrf_token": token}, headers={"Origin": demo.url})
    assert answer.status_code == 303
    return closing(c)


def login(context: BrowserContext, demo: Demo, username: str) -> Page:
    page = context.new_page()
    page.goto(f"{demo.url}/login")
    page.fill("#username", username)
    page.fill("#password", demo.accounts[username][0])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"), timeout=60_000)
    return page
