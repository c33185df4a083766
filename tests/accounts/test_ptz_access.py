"""PTZ from the wall behind the auth edge: the ``ptz`` right, scope, validation and the audit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from config.cameras import CameraConfig
from config.settings import Settings
from dashboard.server.services import Services
from dashboard.wall.ptz import build_ptz_routes
from dispatch.accounts.models import AccessAudit
from streams.sim_ptz import SimHead, head
from tests.accounts.conftest import CAMERAS, AccountsDb
from tests.accounts.live import LiveApp

SECRET = "Ptz-Secret-913"


#: Heads are process-wide; each test run steers its own.
RUN = uuid.uuid4().hex[:8]


def head_of(camera_id: str, adb: AccountsDb) -> SimHead:
    return head(f"{RUN}-{adb.db.engine.url.get_backend_name()}-{camera_id}")


@pytest.fixture
def live(adb: AccountsDb, tmp_path) -> Iterator[LiveApp]:
    prefix = f"{RUN}-{adb.db.engine.url.get_backend_name()}"
    cams = [CameraConfig(id=cid, name=cid, center=code, sub_url=f"sim://?ptz={prefix}-{cid}",
                         ptz={"url": f"sim://{prefix}-{cid}", "username": "admin",
                              "password": SECRET}
                         if cid != "cam-jiangna-1" else None)
            for cid, code in CAMERAS.items()]
    svc = Services(settings=Settings(data_dir=tmp_path), engine=adb.db.engine,
                   session_factory=adb.factory, cameras=cams)
    with LiveApp(adb, routes=build_ptz_routes(svc)) as app:
        yield app


def audit(adb: AccountsDb, event: str) -> list[tuple]:
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).where(AccessAudit.event == event)
                         .order_by(AccessAudit.id)).all()
        return [(r.actor, r.resource, r.status, r.detail) for r in rows]


def test_an_operator_steers_and_every_command_is_audited(live: LiveApp, adb: AccountsDb) -> None:
    url = "/api/wall/ptz/cam-jiangna-town"
    start = head_of("cam-jiangna-town", adb).position()
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        origin = {"Origin": live.origin}
        info = c.get(url).json()
        assert info == {"ptz": True, "allowed": True, "presets": []}
        assert c.post(url, json={"action": "move", "pan": 1, "tilt": 0, "zoom": 0},
                      headers=origin).json() == {"ok": True}
        assert c.post(url, json={"action": "stop"}, headers=origin).status_code == 200
        assert head_of("cam-jiangna-town", adb).position().pan > start.pan
        saved = c.post(url, json={"action": "set_preset", "name": "路口"}, headers=origin).json()
        assert c.get(url).json()["presets"] == [{"token": saved["preset"], "name": "路口"}]
        assert c.post(url, json={"action": "goto", "preset": saved["preset"]},
                      headers=origin).status_code == 200
        bad = c.post(url, json={"action": "move", "pan": 3}, headers=origin)
        assert bad.status_code == 422 and bad.json()["field"] == "pan"
        assert c.post(url, json={"action": "spin"}, headers=origin).json()["field"] == "action"
        fixed = c.post("/api/wall/ptz/cam-jiangna-1", json={"action": "stop"}, headers=origin)
        assert fixed.status_code == 409 and c.get("/api/wall/ptz/cam-jiangna-1").json()["ptz"] is False
        for r in (c.get(url), fixed, bad):
            assert SECRET not in r.text
    lines = audit(adb, "ptz")
    assert [(a, r, s, d["action"]) for a, r, s, d in lines] == [
        ("op.jiangna", "camera:cam-jiangna-town", 200, action)
        for action in ("move", "stop", "set_preset", "goto")
    ]
    assert lines[0][3]["pan"] == 1.0 and lines[2][3]["name"] == "路口"


def test_a_user_without_the_right_is_refused(live: LiveApp, adb: AccountsDb) -> None:
    url = "/api/wall/ptz/cam-jiangna-town"
    before = head_of("cam-jiangna-town", adb).moves
    with live.login("judicial", adb.user("judicial")) as c:  # a liaison: views, does not steer
        assert c.get(url).json()["allowed"] is False
        refused = c.post(url, json={"action": "move", "pan": 1, "tilt": 0, "zoom": 0},
                         headers={"Origin": live.origin})
        assert refused.status_code == 403
    with live.login("op.pingyuan", adb.user("op.pingyuan")) as c:  # another township's operator
        hidden = c.post(url, json={"action": "stop"}, headers={"Origin": live.origin})
        assert hidden.status_code == 404
    hotline = adb.token("hotline", "532622", ["report"])
    with live.client() as c:
        assert c.post(url, json={"action": "stop"},
                      headers={"Authorization": f"Bearer {hotline}"}).status_code == 403
        assert c.post(url, json={"action": "stop"}).status_code == 401
    assert head_of("cam-jiangna-town", adb).moves == before
    denied = [(a, r, s) for a, r, s, _ in audit(adb, "denied")]
    assert ("judicial", "camera:cam-jiangna-town", 403) in denied
    assert ("op.pingyuan", "camera:cam-jiangna-town", 404) in denied
    assert audit(adb, "ptz") == []
