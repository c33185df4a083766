"""PTZ through ONVIF: the product's client against the simulated ONVIF device under uvicorn,
steering a simulated camera whose picture is a window over a larger scene."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from config.ptz import PtzConfig
from streams import onvif
from streams.onvif_sim import onvif_app
from streams.ptz import OnvifPtz, PtzError
from streams.sim import SimScene, SimSpec
from streams.sim_ptz import head
from tests.live import LiveASGI

USER, PASSWORD = "operator", "Onvif-Pw-42"


@pytest.fixture(scope="module")
def device() -> Iterator[LiveASGI]:
    with LiveASGI(onvif_app({USER: PASSWORD}), name="onvif-device") as live:
        yield live


def client(device: LiveASGI, name: str, password: str = PASSWORD) -> OnvifPtz:
    return OnvifPtz(PtzConfig(url=f"{device.base}/onvif/{name}/ptz_service", username=USER,
                              password=password))


def picture(scene: SimScene, n: int = 0) -> np.ndarray:
    return scene.frame(n).to_ndarray()[: scene.spec.height]


def test_continuous_move_turns_the_simulated_cameras_window(device: LiveASGI) -> None:
    scene = SimScene(SimSpec.parse("sim://?w=320&h=180&ptz=t-move"))
    before = picture(scene)
    window_before = head("t-move").window(640, 360)

    async def turn() -> None:
        ptz = client(device, "t-move")
        await ptz.continuous_move(1.0, 0.0, 0.0)
        await asyncio.sleep(0.6)
        await ptz.stop()
        status = await ptz.status()
        assert status.pan > 0.2 and not status.moving and status.tilt == 0
        await ptz.continuous_move(0.0, 0.0, 1.0, timeout=0.3)  # zoom in, ended by its timeout
        await asyncio.sleep(0.6)
        assert not (await ptz.status()).moving
        await ptz.aclose()

    asyncio.run(turn())
    x0, y0, w0, h0 = window_before
    x1, y1, w1, h1 = head("t-move").window(640, 360)
    assert x1 > x0 and w1 < w0 and h1 < h0  # turned right and zoomed in
    after = picture(scene)
    assert np.mean(np.abs(after.astype(int) - before.astype(int))) > 10  # another picture
    still = head("t-move").position()
    time.sleep(0.2)
    assert head("t-move").position() == still  # a stopped head stays put


def test_presets_round_trip(device: LiveASGI) -> None:
    async def run() -> None:
        ptz = client(device, "t-presets")
        await ptz.continuous_move(-1.0, 1.0, 0.0, timeout=0.4)
        await asyncio.sleep(0.6)
        gate = await ptz.status()
        token = await ptz.set_preset("东门 <主>")
        await ptz.continuous_move(1.0, -1.0, 0.5, timeout=0.5)
        await asyncio.sleep(0.7)
        moved = await ptz.status()
        assert (moved.pan, moved.tilt) != (gate.pan, gate.tilt)
        presets = await ptz.get_presets()
        assert [(p.token, p.name) for p in presets] == [(token, "东门 <主>")]
        await ptz.goto_preset(token)
        back = await ptz.status()
        assert (back.pan, back.tilt, back.zoom) == pytest.approx((gate.pan, gate.tilt, gate.zoom),
                                                                 abs=1e-3)
        with pytest.raises(PtzError, match="NoToken"):
            await ptz.goto_preset("no-such-preset")
        await ptz.remove_preset(token)
        assert await ptz.get_presets() == []
        await ptz.aclose()

    asyncio.run(run())


def test_a_wrong_password_is_refused_and_never_echoed(device: LiveASGI) -> None:
    async def run() -> None:
        ptz = client(device, "t-refused", password="wrong-Secret-77")
        with pytest.raises(PtzError) as refused:
            await ptz.continuous_move(1.0, 0.0, 0.0)
        assert refused.value.refused and "wrong-Secret-77" not in str(refused.value)
        await ptz.aclose()

    asyncio.run(run())
    assert head("t-refused").moves == 0


def test_a_replayed_message_is_refused(device: LiveASGI) -> None:
    body = "<tptz:Stop><tptz:ProfileToken>Profile_1</tptz:ProfileToken></tptz:Stop>"
    message = onvif.envelope(body, onvif.security_header(USER, PASSWORD))
    url = f"{device.base}/onvif/t-replay/ptz_service"
    headers = {"Content-Type": onvif.CONTENT_TYPE}
    assert httpx.post(url, content=message, headers=headers).status_code == 200
    again = httpx.post(url, content=message, headers=headers)
    assert again.status_code == 400 and b"NotAuthorized" in again.content


def test_malformed_and_unknown_requests_get_soap_faults(device: LiveASGI) -> None:
    url = f"{device.base}/onvif/t-bad/ptz_service"
    headers = {"Content-Type": onvif.CONTENT_TYPE}
    for data, code in [
        (b"<not-xml", b"WellFormed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', b"InvalidArgVal"),
        (onvif.envelope("<tptz:AbsoluteMove><tptz:ProfileToken>Profile_1</tptz:ProfileToken>"
                        "</tptz:AbsoluteMove>", onvif.security_header(USER, PASSWORD)),
         b"ActionNotSupported"),
        (onvif.envelope("<tptz:Stop><tptz:ProfileToken>Other</tptz:ProfileToken></tptz:Stop>",
                        onvif.security_header(USER, PASSWORD)), b"NoProfile"),
    ]:
        answer = httpx.post(url, content=data, headers=headers)
        assert answer.status_code in (400, 500) and code in answer.content, answer.text
        assert onvif.read_fault(onvif.parse(answer.content)) is not None
