"""The shared route guard (the design for session joins) and proxy-aware request facts."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config.auth import AuthSettings
from dashboard.auth import refuse_unless
from dashboard.auth.cookies import client_address, own_origin, secure_cookies
from dashboard.auth.csrf import origin_refusal
from dispatch.accounts import access
from dispatch.accounts.models import AccessAudit
from dispatch.models import Center
from tests.accounts.conftest import COUNTY, AccountsDb
from tests.accounts.live import LiveApp


def join_route(adb: AccountsDb) -> Route:
    """A join endpoint shaped like the dispatch sessions' one: the session's center decides."""

    async def join(request: Request) -> Response:
        code = request.path_params["center"]
        with adb.factory() as s:
            path = s.scalar(sa.select(Center.path).where(Center.code == code))
        denied = refuse_unless(request, access.SESSION_JOIN, path, f"session:{code}", hide=True)
        return denied or JSONResponse({"joined": code})

    return Route("/api/sessions/{center}/join", join, methods=["POST"])


def test_join_is_scoped_hidden_and_audited(adb: AccountsDb) -> None:
    viewer = adb.token("wall-screen", COUNTY, ["stream.view"])
    with LiveApp(adb, routes=[join_route(adb)]) as live:
        with live.login("op.jiangna", adb.user("op.jiangna")) as c:
            origin = {"Origin": live.origin}
            assert c.post("/api/sessions/532622101201/join", headers=origin).json() == {"joined": "532622101201"}
            other = c.post("/api/sessions/532622102/join", headers=origin)
            missing = c.post("/api/sessions/999999/join", headers=origin)
            assert other.status_code == missing.status_code == 404
            assert other.json() == missing.json()  # nothing tells them apart
        with live.client() as c:
            no_action = c.post("/api/sessions/532622101/join", headers={"Authorization": f"Bearer {viewer}"})
            assert no_action.status_code == 404
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).where(AccessAudit.event == "denied").order_by(AccessAudit.id)).all()
        seen = [(r.actor, r.resource, r.detail.get("reason")) for r in rows]
    assert seen == [
        ("op.jiangna", "session:532622102", "outside_scope"),
        ("op.jiangna", "session:999999", "unknown"),
        ("token:wall-screen", "session:532622101", "action_not_allowed"),
    ]


def scope_of(client: str, headers: dict[str, str], scheme: str = "http") -> dict:
    return {"type": "http", "method": "POST", "path": "/", "scheme": scheme, "client": (client, 5000),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


def test_forwarded_headers_are_believed_only_from_trusted_proxies() -> None:
    settings = AuthSettings(trusted_proxies=("10.1.0.0/16",), allowed_origins=("https://zz.gov.example",))
    forwarded = {"Host": "zz.gov.example", "X-Forwarded-For": "6.6.6.6, 192.168.5.5",
                 "X-Forwarded-Proto": "https", "Origin": "https://zz.gov.example"}
    via_proxy = scope_of("10.1.2.3", forwarded)
    direct = scope_of("192.168.9.9", forwarded)
    assert client_address(via_proxy, settings) == "192.168.5.5"  # the proxy's own record
    assert client_address(direct, settings) == "192.168.9.9"
    assert own_origin(via_proxy, settings) == "https://zz.gov.example" and secure_cookies(via_proxy, settings)
    assert not secure_cookies(direct, settings)
    assert origin_refusal(via_proxy, settings) is None
    # The configured origin is accepted even when the proxy rewrites Host.
    rewritten = scope_of("10.1.2.3", {**forwarded, "Host": "127.0.0.1:8501"})
    assert origin_refusal(rewritten, settings) is None
    assert origin_refusal(scope_of("10.1.2.3", {**forwarded, "Origin": "null"}), settings) == "origin mismatch"


def test_public_join_links_are_reachable_and_their_marked_refusals_audited(adb: AccountsDb) -> None:
    """A participant without an account opens /join/<token>; the route decides and marks."""
    from dispatch.accounts.audit import mark_denied

    async def join_link(request: Request) -> Response:
        if request.path_params["token"] != "valid-token-123":
            mark_denied(request.scope, 404, "join:***", None, "unknown token")
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"ok": True})

    with LiveApp(adb, routes=[Route("/join/{token}", join_link)]) as live, live.client() as c:
        assert c.get("/join/valid-token-123").json() == {"ok": True}
        assert c.get("/join/forged-token-456").status_code == 404
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit)).all()
    assert [(r.event, r.resource, r.status) for r in rows] == [("denied", "join:***", 404)]
    assert not any("forged-token-456" in (r.resource + str(r.detail)) for r in rows)
