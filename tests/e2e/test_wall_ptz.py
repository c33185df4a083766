"""PTZ from the wall's focus view in Chromium against a real ``zongzhi demo``: the pad turns the
simulated camera (its picture changes), keys turn it, a preset is saved by clicking, and every
command is on the access audit under the operator's name."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser

from dispatch.accounts.models import AccessAudit
from dispatch.db import make_engine, make_session_factory
from tests.demo_server import Demo, api_client, login

pytestmark = pytest.mark.browser
CAMERA = "cam-532600-1"  # the prefecture hall's first camera has a simulated PTZ head
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Path]]:
    data = tmp_path_factory.mktemp("wall-ptz")
    server = Demo(data)
    try:
        yield server, data
    finally:
        server.stop()


def snapshot(server: Demo) -> np.ndarray:
    import io

    with api_client(server, "zhou.leader") as api:
        for _ in range(50):
            r = api.get(f"/streams/{CAMERA}.jpg", params={"stream": "sub"})
            if r.status_code == 200:
                return np.asarray(Image.open(io.BytesIO(r.content)).convert("L"), dtype=np.int16)
            time.sleep(0.2)
    raise AssertionError("no snapshot")


def ptz_audit(data: Path) -> list[tuple[str | None, str, str]]:
    engine = make_engine(f"sqlite:///{data / 'zongzhi.db'}")
    try:
        with make_session_factory(engine)() as s:
            rows = s.scalars(sa.select(AccessAudit).where(AccessAudit.event == "ptz")
                             .order_by(AccessAudit.id)).all()
            return [(r.actor, r.resource, r.detail["action"]) for r in rows]
    finally:
        engine.dispose()


def test_the_pad_and_keys_turn_the_camera_and_presets_are_saved(
    demo: tuple[Demo, Path], browser: Browser
) -> None:
    server, data = demo
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        page = login(context, server, "zhou.leader")
        page.goto(f"{server.url}/?scope=532600&focus={CAMERA}")
        pad = page.locator(".zz-ptz")
        pad.wait_for(state="visible", timeout=60_000)
        assert "云台" in pad.inner_text() and "W A S D" in pad.inner_text()
        before = snapshot(server)
        right = page.locator(".zz-ptz-dir[data-dir='1,0']")
        right.hover()
        page.mouse.down()
        time.sleep(1.5)
        page.mouse.up()
        time.sleep(1.0)  # the stop lands, a new picture is drawn
        after = snapshot(server)
        assert np.mean(np.abs(after - before)) > 8, "the picture did not change"
        page.keyboard.down("w")
        time.sleep(0.8)
        page.keyboard.up("w")
        page.locator(".zz-ptz-name").fill("大门口")
        page.locator(".zz-ptz-save").click()
        page.locator(".zz-ptz-presets option", has_text="大门口").wait_for(state="attached")
        page.keyboard.press("1")  # the first preset
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "wall-ptz.png"))
        deadline = time.monotonic() + 10
        while len(ptz_audit(data)) < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ptz_audit(data) == [("zhou.leader", f"camera:{CAMERA}", a)
                                   for a in ("move", "stop", "move", "stop", "set_preset", "goto")]
        assert page.locator(".zz-ptz-msg").inner_text() == ""
    finally:
        context.close()
