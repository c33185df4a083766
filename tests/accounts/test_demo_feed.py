"""The demo's flaky camera feed needs a login like every other stream; the hub still reads it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.demo_server import Demo, api_client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(Path(tmp_path_factory.mktemp("demo-feed")))
    try:
        yield server
    finally:
        server.stop()


def first_bytes(client: httpx.Client, path: str) -> tuple[int, str, bytes]:
    with client.stream("GET", path, timeout=30) as answer:
        body = b""
        for chunk in answer.iter_raw():
            body += chunk
            if len(body) > 2000 or answer.status_code != 200:
                break
        return answer.status_code, answer.headers.get("content-type", ""), body


def test_anonymous_callers_get_401_for_any_feed(demo: Demo) -> None:
    with httpx.Client(base_url=demo.url) as anonymous:
        for camera in ("demo-flaky", "anything", "x" * 40):
            status, ctype, body = first_bytes(anonymous, f"/demo/feed/{camera}.mjpg")
            assert status == 401 and ctype == "application/json" and b"unauthenticated" in body
        forged = anonymous.get("/demo/feed/demo-flaky.mjpg", auth=("feed", "guessed-secret"))
        assert forged.status_code == 401


def test_logged_in_viewers_in_scope_watch_it_and_the_hub_still_reads_it(demo: Demo) -> None:
    with api_client(demo, "zhou.leader") as leader:
        status, ctype, body = first_bytes(leader, "/demo/feed/demo-flaky.mjpg")
        assert status == 200 and ctype.startswith("multipart/x-mixed-replace") and b"image/jpeg" in body
        # Unknown feeds are not made up for a logged-in caller either.
        assert first_bytes(leader, "/demo/feed/anything.mjpg")[0] == 404
        # The hub reads the feed with its own credential: the camera is online with pictures.
        deadline = time.monotonic() + 60
        while True:
            health = {c["camera_id"]: c for c in leader.get("/streams/health").json()}["demo-flaky"]
            if health["status"] == "online" and health["fps_in"] > 0:
                break
            assert time.monotonic() < deadline, health
            time.sleep(1)
    # Outside the viewer's subtree the feed does not exist (as for every camera).
    for user in ("cun.operator", "xiang.operator"):
        home = demo.accounts[user][1]
        with api_client(demo, user) as other:
            expected = 200 if health["center"].startswith(home) else 404
            assert first_bytes(other, "/demo/feed/demo-flaky.mjpg")[0] == expected
    # The hub's secret never shows in the server's output (URLs are redacted).
    log = "\n".join(demo.lines)
    assert not re.search(r"feed:(?!\*\*\*)[A-Za-z0-9_-]{16,}@", log)
