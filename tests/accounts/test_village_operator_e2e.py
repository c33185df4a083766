"""In Chromium, against the real ``zongzhi demo`` with accounts on: a village operator sees
only its village on the wall and in the console, and another village's camera is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import ROOT, Demo, api_client, login

ARTIFACTS = ROOT / "artifacts" / "accounts"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


def test_village_operator_sees_only_its_village(demo: Demo) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    village = demo.accounts["cun.operator"][1]
    township = demo.accounts["xiang.operator"][1]
    assert village.startswith(township)
    # A township operator reports one case in our village and one in a sibling village.
    with api_client(demo, "xiang.operator") as xiang:
        siblings = [c for c in xiang.get(f"/api/centers/{township}/children").json()["items"]
                    if c["code"] != village]
        other = siblings[0]
        other_cams = [t["camera"] for t in xiang.get("/api/wall", params={"scope": other["code"], "layout": 16}).json()["tiles"]]
        stamp = str(int(time.time() * 1000))[-6:]
        for code, title in ((village, f"本村纠纷{stamp}"), (other["code"], f"邻村纠纷{stamp}")):
            made = xiang.post("/api/cases", headers={"Origin": demo.url}, json={
                "title": title, "kind": "dispute", "channel": "walk_in", "center": code})
            assert made.status_code == 201, made.text
    assert other_cams, "the sibling village has cameras to try"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            page = login(context, demo, "cun.operator")
            # The wall: scoped to the village, every tile one of its cameras.
            wall = context.request.get(f"{demo.url}/api/wall?layout=16").json()
            assert wall["scope"]["code"] == village and wall["tiles"]
            assert {t["center_name"] for t in wall["tiles"]} == {wall["scope"]["name"]}
            page.get_by_text(wall["tiles"][0]["name"]).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "village-wall.png"))
            assert context.request.get(f"{demo.url}/api/wall?scope={other['code']}").status == 403
            assert context.request.get(f"{demo.url}/api/wall?scope={township}").status == 403
            # The console: our village's new case is queued, the sibling's is not there.
            page.goto(f"{demo.url}/dispatch")
            # The queue is a data grid drawn on a canvas; its cells also live in the DOM.
            page.get_by_text(f"本村纠纷{stamp}").first.wait_for(state="attached", timeout=60_000)
            assert page.get_by_text(f"邻村纠纷{stamp}").count() == 0
            page.screenshot(path=str(ARTIFACTS / "village-console.png"))
            # A direct URL to another village's camera is refused; our own plays.
            refused = page.goto(f"{demo.url}/streams/{other_cams[0]}.jpg")
            assert refused is not None and refused.status == 403
            own = page.goto(f"{demo.url}/streams/{wall['tiles'][0]['camera']}.jpg")
            assert own is not None and own.status in (200, 503)
        finally:
            browser.close()
