"""Live media through the real product stack (``zongzhi demo``): an MJPEG stream asked for by a
browser-like client that accepts gzip comes back uncompressed, part after part, while the
JSON API on the same server is still compressed."""

from __future__ import annotations

import re

import httpx

from tests.e2e.conftest import DemoServer


def logged_in(server: DemoServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    answer = client.post("/login", headers={"Origin": server.url}, data={
        "username": username, "password": server.accounts[username],
        "csrf_token": token.group(1), "next": "/",
    }, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def test_mjpeg_is_never_gzipped_but_the_api_still_is(demo_server: DemoServer) -> None:
    client = logged_in(demo_server, "admin")
    try:
        cameras = client.get("/streams/health").json()
        camera = next(c["camera_id"] for c in cameras if c["status"] == "online")
        headers = {"Accept-Encoding": "gzip, deflate, br"}
        with client.stream("GET", f"/streams/{camera}.mjpg", headers=headers) as answer:
            assert answer.status_code == 200
            assert "content-encoding" not in answer.headers
            assert answer.headers["content-type"].startswith("multipart/x-mixed-replace")
            seen = b""
            for chunk in answer.iter_raw():
                seen += chunk
                if seen.count(b"\xff\xd9") >= 2:  # two whole JPEG pictures
                    break
            assert seen.count(b"Content-Type: image/jpeg") >= 2 and b"\xff\xd8\xff" in seen
        api = client.get("/api/openapi.json", headers=headers)
        assert api.headers.get("content-encoding") == "gzip"  # the rest keeps compression
    finally:
        client.close()
