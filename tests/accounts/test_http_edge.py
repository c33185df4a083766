"""The auth edge over a real uvicorn: redirects, 401s, login form, cookies, CSRF, WebSocket."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from config.auth import AuthSettings
from dashboard.auth.cookies import CSRF_COOKIE, SESSION_COOKIE
from dispatch.accounts.crypto import utcnow
from dispatch.accounts.models import AccessAudit, WebSession
from tests.accounts.conftest import COUNTY, AccountsDb
from tests.accounts.live import LiveApp


@pytest.fixture
def live(adb: AccountsDb) -> Iterator[LiveApp]:
    with LiveApp(adb) as app:
        yield app


def audit_events(adb: AccountsDb) -> list[tuple[str, str | None, str, int | None]]:
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).order_by(AccessAudit.id)).all()
        return [(r.event, r.actor, r.resource, r.status) for r in rows]


def ws_handshake(port: int, headers: dict[str, str]) -> bytes:
    """The status line the server answers a WebSocket upgrade with."""
    lines = [
        "GET /_stcore/stream HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
        "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.recv(4096).split(b"\r\n", 1)[0]


def test_unauthenticated_pages_redirect_and_programs_get_401(live: LiveApp, adb: AccountsDb) -> None:
    with live.client() as c:
        page = c.get("/wall?level=3")
        api = c.post("/api/echo", content="{}")
        stream = c.get("/streams/cam-jiangna-town.jpg")
        whep = c.post("/whep/cam-jiangna-town", content="v=0")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fwall%3Flevel%3D3"
    assert api.status_code == 401 and api.headers["www-authenticate"].startswith("Bearer")
    assert stream.status_code == 401 and whep.status_code == 401
    assert ws_handshake(live.port, {"Origin": live.origin}).split()[1] == b"403"
    assert [e for e, *_ in audit_events(adb)].count("unauthenticated") == 5


def test_login_page_is_self_contained_and_bilingual(live: LiveApp) -> None:
    with live.client() as c:
        page = c.get("/login?next=/wall")
    assert page.status_code == 200
    assert "登录" in page.text and "Log in" in page.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert 'name="next" value="/wall"' in page.text


def test_login_sets_httponly_samesite_cookies_and_lands_on_next(live: LiveApp, adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    with live.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        answer = c.post("/login", data={"username": "op.jiangna", "password": pw, "csrf_token": token,
                                        "next": "/wall?x=1"}, headers={"Origin": live.origin})
        assert answer.status_code == 303 and answer.headers["location"] == "/wall?x=1"
        cookies = {h.split("=", 1)[0]: h for h in answer.headers.get_list("set-cookie")}
        assert "HttpOnly" in cookies[SESSION_COOKIE] and "SameSite=Lax" in cookies[SESSION_COOKIE]
        assert "Secure" not in cookies[SESSION_COOKIE]  # plain http on loopback, cookie_secure=auto
        assert "HttpOnly" not in cookies[CSRF_COOKIE]  # page scripts echo it
        page = c.get("/wall")
    assert page.status_code == 200 and "op.jiangna@532600/532622/532622101" in page.text


def test_secure_cookie_flag_when_configured(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    settings = AuthSettings(cookie_secure="always", cookie_samesite="strict")
    with LiveApp(adb, settings=settings) as app, app.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        # A client keeps Secure cookies off plain http: send the pre-login cookie by hand.
        answer = c.post("/login", data={"username": "op.jiangna", "password": pw, "csrf_token": token},
                        headers={"Origin": app.origin, "Cookie": f"{CSRF_COOKIE}={token}"})
    session_cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in session_cookie and "SameSite=Strict" in session_cookie


def test_open_redirects_are_refused(live: LiveApp, adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    with live.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        answer = c.post("/login", data={"username": "op.jiangna", "password": pw, "csrf_token": token,
                                        "next": "//evil.example/x"}, headers={"Origin": live.origin})
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    ("headers", "with_field"),
    [({"Origin": "http://evil.example"}, True), ({"Sec-Fetch-Site": "cross-site"}, True), ({}, False)],
)
def test_login_form_csrf(live: LiveApp, adb: AccountsDb, headers: dict[str, str], with_field: bool) -> None:
    pw = adb.user("op.jiangna")
    with live.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        data = {"username": "op.jiangna", "password": pw, **({"csrf_token": token} if with_field else {})}
        answer = c.post("/login", data=data, headers=headers)
    assert answer.status_code == 403 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert audit_events(adb)[-1][:3] == ("csrf_refused", None, "POST /login")


def test_state_changing_browser_requests_need_same_origin_or_token(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        csrf = c.cookies[CSRF_COOKIE]
        assert c.post("/api/echo", content="a", headers={"Origin": "http://evil.example"}).status_code == 403
        assert c.post("/api/echo", content="b", headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
        assert c.post("/api/echo", content="c").status_code == 403  # no Origin, no token
        assert c.post("/api/echo", content="d", headers={"X-CSRF-Token": "0" * 64}).status_code == 403
        assert c.post("/api/echo", content="e", headers={"X-CSRF-Token": csrf}).status_code == 200
        ok = c.post("/api/echo", content="f", headers={"Origin": live.origin, "Sec-Fetch-Site": "same-origin"})
        assert ok.status_code == 200 and ok.json() == {"actor": "op.jiangna", "body": "f"}
        session_cookie = c.cookies[SESSION_COOKIE]
        # Streamlit's socket: same origin with the session is accepted, another origin is not.
        cookie = f"{SESSION_COOKIE}={session_cookie}"
        assert ws_handshake(live.port, {"Origin": live.origin, "Cookie": cookie}).split()[1] == b"101"
        assert ws_handshake(live.port, {"Origin": "http://evil.example", "Cookie": cookie}).split()[1] == b"403"
    assert [e for e, *_ in audit_events(adb)].count("csrf_refused") == 5


def test_bearer_tokens_serve_programs_not_pages(live: LiveApp, adb: AccountsDb) -> None:
    value = adb.token("hotline", COUNTY, ["report"], ["hotline_12345"])
    auth = {"Authorization": f"Bearer {value}"}
    with live.client() as c:
        assert c.post("/api/echo", content="x", headers={**auth, "Origin": "http://hotline.example"}).json()["actor"] == "token:hotline"
        assert c.get("/wall", headers=auth).status_code == 403
        assert c.post("/api/echo", content="x", headers={"Authorization": "Basic abc"}).status_code == 401
    with adb.factory.begin() as s:
        from dispatch.accounts.tokens import revoke_token

        revoke_token(s, "hotline")
    with live.client() as c:
        assert c.post("/api/echo", content="x", headers=auth).status_code == 401
    assert ("denied", "token:hotline", "GET /wall", 403) in audit_events(adb)


def test_expired_and_revoked_tokens_answer_401_with_a_reason(live: LiveApp, adb: AccountsDb) -> None:
    expired = adb.token("old-feed", COUNTY, ["report"])
    revoked = adb.token("gone-feed", COUNTY, ["report"])
    with adb.factory.begin() as s:
        from dispatch.accounts.models import ApiToken
        from dispatch.accounts.tokens import revoke_token

        s.scalars(sa.select(ApiToken).where(ApiToken.name == "old-feed")).one().expires_at = (
            utcnow() - timedelta(seconds=1)
        )
        revoke_token(s, "gone-feed")
    with live.client() as c:
        for value, reason, words in ((expired, "expired", "expired"), (revoked, "revoked", "revoked"),
                                     ("zzt_" + "0" * 40, "unknown", "unknown")):
            answer = c.post("/api/echo", content="x", headers={"Authorization": f"Bearer {value}"})
            assert answer.status_code == 401 and answer.headers["content-type"] == "application/json"
            body = answer.json()
            assert body["reason"] == reason and words in body["message"], body
            assert f'error_description="{reason}"' in answer.headers["www-authenticate"]
        anonymous = c.post("/api/echo", content="x").json()
    assert anonymous["reason"] == "no_credentials"


def test_expired_session_is_refused_everywhere(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        assert c.get("/wall").status_code == 200
        with adb.factory.begin() as s:
            s.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
        assert c.get("/wall").status_code == 303
        assert c.post("/api/echo", content="x", headers={"Origin": live.origin}).status_code == 401
    assert ("session_expired", "op.jiangna") in [(e, a) for e, a, *_ in audit_events(adb)]


def test_logout_needs_the_session_csrf_token_and_ends_the_session(live: LiveApp, adb: AccountsDb) -> None:
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        form = c.get("/logout")
        token = re.search(r'value="([0-9a-f]{64})"', form.text).group(1)  # type: ignore[union-attr]
        assert c.post("/logout", data={"csrf_token": "1" * 64}, headers={"Origin": live.origin}).status_code == 403
        stolen = c.cookies[SESSION_COOKIE]
        out = c.post("/logout", data={"csrf_token": token}, headers={"Origin": live.origin})
        assert out.status_code == 303 and out.headers["location"] == "/login?m=logged_out"
    with live.client() as other:
        other.cookies.set(SESSION_COOKIE, stolen)
        assert other.get("/wall").status_code == 303
    assert ("logout", "op.jiangna") in [(e, a) for e, a, *_ in audit_events(adb)]


def test_brute_force_over_http_is_slowed_down(live: LiveApp, adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    with live.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        for i in range(5):
            bad = c.post("/login", data={"username": "op.jiangna", "password": f"guess-{i}", "csrf_token": token},
                         headers={"Origin": live.origin})
            assert bad.status_code == 401 and "用户名或密码错误" in bad.text
        locked = c.post("/login", data={"username": "op.jiangna", "password": pw, "csrf_token": token},
                        headers={"Origin": live.origin})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in locked.headers.get("set-cookie", "")


def test_http_throttle_is_per_account_and_address(adb: AccountsDb) -> None:
    """Over HTTP, behind a trusted proxy that names the client: the locked pair gets 429, a
    different account from the same address and the same account from elsewhere log in."""
    pw_a = adb.user("op.jiangna")
    pw_b = adb.user("op.pingyuan")
    settings = AuthSettings(
        user_throttle=adb.settings.user_throttle, address_throttle=adb.settings.address_throttle,
        trusted_proxies=("127.0.0.1/32",),
    )

    def post(c, token: str, name: str, pw: str, address: str):  # type: ignore[no-untyped-def]
        return c.post("/login", data={"username": name, "password": pw, "csrf_token": token},
                      headers={"Origin": app.origin, "X-Forwarded-For": address})

    with LiveApp(adb, settings=settings) as app:
        with app.client() as c:
            token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
            for i in range(6):
                post(c, token, "op.jiangna", f"guess-{i}", "10.5.5.5")
            assert post(c, token, "op.jiangna", pw_a, "10.5.5.5").status_code == 429
            assert post(c, token, "op.pingyuan", pw_b, "10.5.5.5").status_code == 303
        with app.client() as c:
            token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
            assert post(c, token, "op.jiangna", pw_a, "10.6.6.6").status_code == 303


def test_one_time_password_opens_only_the_password_form(live: LiveApp, adb: AccountsDb) -> None:
    from dispatch.accounts.cli import ensure_first_admin

    with adb.factory.begin() as s:
        created = ensure_first_admin(s)
    assert created is not None
    _, one_time = created
    with live.client() as c:
        token = re.search(r'value="([0-9a-f]{64})"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        answer = c.post("/login", data={"username": "admin", "password": one_time, "csrf_token": token,
                                        "next": "/wall"}, headers={"Origin": live.origin})
        assert answer.headers["location"] == "/password?next=%2Fwall"
        assert c.get("/wall").headers["location"] == "/password?next=%2Fwall"
        assert c.post("/api/echo", content="x", headers={"Origin": live.origin}).status_code == 403
        form = c.get("/password?next=/wall")
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', form.text).group(1)  # type: ignore[union-attr]
        post = {"csrf_token": csrf, "next": "/wall", "current": one_time}
        origin = {"Origin": live.origin}
        assert c.post("/password", data={**post, "new": "Fresh-admin-pw-1", "repeat": "Other-1234567"},
                      headers=origin).status_code == 422
        assert c.post("/password", data={**post, "new": one_time, "repeat": one_time}, headers=origin).status_code == 422
        weak = c.post("/password", data={**post, "new": "short", "repeat": "short"}, headers=origin)
        assert weak.status_code == 422 and "至少" in weak.text
        done = c.post("/password", data={**post, "new": "Fresh-admin-pw-1", "repeat": "Fresh-admin-pw-1"},
                      headers=origin)
        assert done.status_code == 303 and done.headers["location"].startswith("/login?m=password_changed")
        assert c.get("/wall").status_code == 303  # every session ended with the old password
    with live.login("admin", "Fresh-admin-pw-1") as c:
        assert c.get("/wall").status_code == 200


def test_a_new_login_ends_the_browsers_previous_session(live: LiveApp, adb: AccountsDb) -> None:
    other_pw = adb.user("op.pingyuan")
    with live.login("op.jiangna", adb.user("op.jiangna")) as c:
        first = c.cookies[SESSION_COOKIE]
        answer = c.post("/login", data={"username": "op.pingyuan", "password": other_pw,
                                        "csrf_token": c.cookies[CSRF_COOKIE]}, headers={"Origin": live.origin})
        assert answer.status_code == 303 and c.cookies[SESSION_COOKIE] != first
        assert "op.pingyuan@" in c.get("/wall").text
    with live.client() as c:
        c.cookies.set(SESSION_COOKIE, first)
        assert c.get("/wall").status_code == 303  # op.jiangna's session ended with the new login
