"""Chromium plays the hub's WHEP (H.264 passed through from RTSP) and MJPEG tiles."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import sync_playwright
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from streams.hub import StreamHub
from tests.browser import CHROMIUM
from tests.streams.conftest import LiveServer, RtspServer, camera
from tests.streams.test_rtsp import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.rtsp]

# Chromium keeps its default of hiding host addresses behind mDNS names: the hub cannot
# resolve them and must (and does) connect through the peer-reflexive candidate instead.

PAGE = """<!doctype html><meta charset="utf-8"><title>WHEP</title>
<video id="v" autoplay muted playsinline></video><img id="tile" src="/streams/cross.mjpg">
<script>
window.whep = async (camera) => {
  const pc = new RTCPeerConnection({iceServers: []});
  pc.addTransceiver('video', {direction: 'recvonly'});
  pc.ontrack = (e) => { document.getElementById('v').srcObject = new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && done();
  });
  const answer = await fetch('/whep/' + camera, {method: 'POST',
    headers: {'Content-Type': 'application/sdp'}, body: pc.localDescription.sdp});
  if (answer.status !== 201) throw new Error('WHEP ' + answer.status);
  window.location_ = answer.headers.get('Location');
  await pc.setRemoteDescription({type: 'answer', sdp: await answer.text()});
  window.pc = pc;
};
window.whip = async (camera) => {
  const media = await navigator.mediaDevices.getUserMedia({video: true});
  const pc = new RTCPeerConnection({iceServers: []});
  pc.addTransceiver(media.getVideoTracks()[0], {direction: 'sendonly'});
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && done();
  });
  const answer = await fetch('/whip?camera=' + camera + '&center=532622101', {method: 'POST',
    headers: {'Content-Type': 'application/sdp'}, body: pc.localDescription.sdp});
  if (answer.status !== 201) throw new Error('WHIP ' + answer.status);
  await pc.setRemoteDescription({type: 'answer', sdp: await answer.text()});
  window.publisher = pc;
  return answer.headers.get('Location');
};
window.inboundCodec = async () => {
  const stats = await window.pc.getStats();
  let codecId = null, codec = null;
  stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') codecId = s.codecId; });
  stats.forEach((s) => { if (s.id === codecId) codec = s.mimeType; });
  return codec;
};
</script>"""


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


def test_chromium_plays_whep_passthrough_and_mjpeg_tile(
    rtsp_server: Callable[..., RtspServer], make_hub: Callable[..., StreamHub],
    live_server: Callable[..., LiveServer],
) -> None:
    rtsp = rtsp_server()
    hub = make_hub([camera("cross", rtsp.url())])
    server = live_server(hub, extra_routes=[Route("/player", page)])
    wait_for(lambda: hub.camera("cross").sub.passthrough, 15, "H.264 camera open")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            tab = browser.new_page()
            tab.goto(f"{server.base}/player")
            tab.evaluate("window.whep('cross')")
            deadline = time.monotonic() + 30
            decoded = 0
            while time.monotonic() < deadline:
                decoded = tab.evaluate(
                    "document.getElementById('v').getVideoPlaybackQuality().totalVideoFrames")
                if decoded >= 10:
                    break
                time.sleep(0.2)
            assert decoded >= 10, "Chromium decoded the camera's H.264"
            assert tab.evaluate("document.getElementById('v').videoWidth") == 640
            assert tab.evaluate("window.inboundCodec()") == "video/H264"
            assert tab.evaluate("document.getElementById('tile').naturalWidth") == 640
            tab.evaluate("fetch(window.location_, {method: 'DELETE'}).then(r => r.status)")
        finally:
            browser.close()
    wait_for(lambda: hub.camera("cross").sub.viewers == 0, 15, "viewers released")


def test_chromium_publishes_by_whip_and_becomes_a_camera(
    make_hub: Callable[..., StreamHub], live_server: Callable[..., LiveServer],
) -> None:
    hub = make_hub([])
    server = live_server(hub, extra_routes=[Route("/player", page)])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            tab = browser.new_page()
            tab.goto(f"{server.base}/player")
            location = tab.evaluate("window.whip('browser-1')")
            assert location.startswith("/whip/")
            wait_for(lambda: "browser-1" in hub.camera_ids()
                     and hub.camera("browser-1").sub.meter.frames_in >= 10, 30, "browser frames")
            health = {h.camera_id: h for h in hub.health()}["browser-1"]
            assert health.status in ("online", "degraded") and health.center == "532622101"
            jpeg = hub.snapshot("browser-1")
            assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
            status = tab.evaluate(f"fetch('{location}', {{method: 'DELETE'}}).then(r => r.status)")
            assert status == 200
        finally:
            browser.close()
    wait_for(lambda: "browser-1" not in hub.camera_ids(), 15, "publisher camera removed")
