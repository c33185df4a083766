"""Passwords inside camera URLs never reach a log line, stderr, an answer or an event."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from streams.hub import StreamHub
from streams.redact import display_url, redact_text, redact_url, url_secrets
from streams.types import CameraEvent
from tests.streams.conftest import LiveServer, RtspServer, camera
from tests.streams.mjpeg_client import MjpegClient
from tests.streams.test_rtsp import wait_for

SECRET = "S3cretPass"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:S3cretPass@10.0.0.5:554/h264", "rtsp://***@10.0.0.5:554/h264"),
        ("rtsp://admin@10.0.0.5/live", "rtsp://***@10.0.0.5/live"),
        ("http://cam/video.mjpg?user=a&password=S3cretPass&x=1",
         "http://cam/video.mjpg?user=a&password=***&x=1"),
        ("open failed: 'rtsp://u:S3cretPass@h/x' (401)", "open failed: 'rtsp://***@h/x' (401)"),
        ("sim://?w=320", "sim://?w=320"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_and_display_url() -> None:
    assert redact_text("bad password S3cretPass", SECRET) == "bad password ***"
    assert display_url("rtsp://admin:S3cretPass@10.0.0.5:554/h264?token=1") == "rtsp://10.0.0.5:554/h264"


@pytest.mark.parametrize(
    "url,leftovers",
    [
        ("rtsp://admin:p@ss@10.0.0.5/live", ("p@ss", "ss@10", "admin")),
        ("rtsp://admin:s3cr%40t@h/x", ("s3cr%40t", "s3cr@t", "admin")),
    ],
)
def test_passwords_with_at_signs_leave_nothing_behind(url: str, leftovers: tuple[str, ...]) -> None:
    # A library may print the URL, the password alone, or its percent-decoded form.
    message = f"open {url} failed; password {' / '.join(url_secrets(url))} refused"
    cleaned = redact_text(message, *url_secrets(url))
    assert not [part for part in leftovers if part in cleaned], cleaned
    assert "rtsp://***@" in cleaned


def test_credentials_never_leak(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub],
    live_server: Callable[..., LiveServer], caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    rtsp = rtsp_server("--user", "admin", "--password", SECRET)
    good = rtsp.url(0, f"admin:{SECRET}@")
    wrong_password = rtsp.url(0, "admin:S3cretPassX@")  # contains the secret too
    no_mount = rtsp.url(7, f"admin:{SECRET}@")
    refused = f"rtsp://admin:{SECRET}@127.0.0.1:1/none"
    events: list[CameraEvent] = []
    hub = make_hub([
        camera("good", good, main_url=good.replace("cam0", "cam0?x=1")),
        camera("wrongpw", wrong_password), camera("nomount", no_mount), camera("refused", refused),
    ])
    hub.subscribe(events.append)
    server = live_server(hub)
    wait_for(lambda: {h.camera_id: h.status for h in hub.health()}["good"] == "online", 15, "online")
    wait_for(lambda: all(hub.camera(c).sub.error for c in ("wrongpw", "nomount", "refused")),
             15, "failures recorded")

    answers: list[str] = []
    base = server.base
    for path in ["/streams/health", "/metrics", "/streams/good.jpg", "/streams/wrongpw.jpg",
                 "/streams/refused.jpg?stream=main", "/streams/nomount.jpg"]:
        r = httpx.get(base + path, timeout=20)
        answers.append(f"{r.status_code} {r.headers} {r.content!r}")
    whep = httpx.post(f"{base}/whep/wrongpw", content="v=0\r\nm=video 9 X 96\r\n", timeout=20,
                      headers={"Content-Type": "application/sdp"})
    answers.append(f"{whep.status_code} {whep.text}")
    viewer = MjpegClient(server.port, "/streams/good.mjpg?stream=main", keep=True)
    viewer.start()
    wait_for(lambda: len(viewer.frames) >= 1, 20, "main-stream MJPEG")
    viewer.stop_event.set()
    viewer.join(10)
    answers.append(repr(viewer.status_line))

    errors = [hub.camera(c).sub.error for c in ("wrongpw", "nomount", "refused")]
    assert all(errors) and any("401" in str(e) or "Unauthorized" in str(e) for e in errors)
    assert any("***@" in str(e) for e in errors), "errors still say which camera URL failed"
    health = repr(hub.health())
    assert "127.0.0.1" in health
    captured = capfd.readouterr()
    haystacks = {
        "logs": "\n".join(r.getMessage() for r in caplog.records) + caplog.text,
        "stderr": captured.err, "stdout": captured.out, "answers": "\n".join(answers),
        "health": health, "events": repr(events), "errors": repr(errors),
    }
    for where, text in haystacks.items():
        assert SECRET not in text, f"the password leaked into {where}"
    assert "admin:" not in haystacks["logs"] + haystacks["answers"]
    assert any("streams.wrongpw" == r.name for r in caplog.records), "failures are logged"
