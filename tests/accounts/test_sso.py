"""Single sign-on: a real OpenID Connect provider, Streamlit's ``st.login`` routes in a real
``st.App`` and the product's hand-off to its own session, over HTTP and in Chromium.

The provider (tests/accounts/oidc_provider.py) speaks the authorization-code flow over HTTP
with RS256 ID tokens; the server exchanges the code with it server-to-server. Authorisation
stays local: the provider's ``preferred_username`` must name an enabled local account.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import sync_playwright

from dispatch.accounts import users
from dispatch.accounts.models import AccessAudit, User, WebSession
from tests.accounts.conftest import AccountsDb
from tests.accounts.oidc_provider import OidcProvider, Person
from tests.accounts.test_pages_edge import ARTIFACTS, StServer
from tests.browser import CHROMIUM
from tests.live import LiveASGI, free_port

COOKIE_SECRET = "cookie-secret-for-tests-" + "x" * 24
CLIENT_SECRET = "client-secret-Zq8"
VILLAGE_PATH = "532600/532622/532622101/532622101201"

PEOPLE = {
    "op.village": Person("idp-Pw-1", {"sub": "u-1001", "preferred_username": "op.village",
                                       "email": "village@example.gov.cn", "name": "村网格员"}),
    "op.pingyuan": Person("idp-Pw-2", {"sub": "u-1002", "preferred_username": "op.pingyuan"}),
    "stranger": Person("idp-Pw-3", {"sub": "u-1003", "preferred_username": "stranger"}),
    "anonymous": Person("idp-Pw-4", {"sub": "u-1004"}),  # no preferred_username claim
}


@dataclass
class Sso:
    server: StServer
    idp: OidcProvider
    adb: AccountsDb

    @property
    def base(self) -> str:
        return self.server.base

    def audit(self, event: str) -> list[AccessAudit]:
        with self.adb.factory() as s:
            return list(s.scalars(sa.select(AccessAudit).where(AccessAudit.event == event)
                                  .order_by(AccessAudit.id)))


@pytest.fixture
def sso(adb: AccountsDb, database_url: str) -> Iterator[Sso]:
    adb.user("op.village")
    adb.user("op.pingyuan")
    with adb.factory.begin() as s:
        users.set_disabled(s, "op.pingyuan", True)
    port = free_port()
    callback = f"http://127.0.0.1:{port}/oauth2callback"
    idp = OidcProvider(issuer="", client_id="zongzhi", client_secret=CLIENT_SECRET,
                       redirect_uris=(callback,), people=PEOPLE)
    with LiveASGI(idp.app(), name="test-idp") as live:
        idp.issuer = live.base
        oidc = {
            "server_metadata_url": f"{live.base}/.well-known/openid-configuration",
            "client_id": "zongzhi", "client_secret": CLIENT_SECRET, "redirect_uri": callback,
            "cookie_secret": COOKIE_SECRET,
        }
        server = StServer(database_url, port=port, env={"ZONGZHI_TEST_OIDC": json.dumps(oidc)})
        try:
            yield Sso(server, idp, adb)
        finally:
            server.stop()
            assert CLIENT_SECRET not in server.stderr and COOKIE_SECRET not in server.stderr


def sign_on(sso: Sso, client: httpx.Client, username: str, next_path: str = "/") -> httpx.Response:
    """The browser's way through: login page button → provider form → back to the product.
    Returns the product's last answer (follows redirects until one leaves the flow)."""
    page = client.get(f"/login?next={next_path}")
    assert page.status_code == 200
    link = re.search(r'<a class="sso" id="sso" href="([^"]+)"', page.text)
    assert link is not None, page.text
    answer = client.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/login?provider=")
    answer = client.get(answer.headers["location"])
    assert answer.status_code == 302
    authorize = answer.headers["location"]
    assert authorize.startswith(f"{sso.idp.issuer}/authorize?")
    form = client.get(authorize)
    assert form.status_code == 200 and "政务统一身份认证" in form.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    answer = client.post(f"{sso.idp.issuer}/authorize",
                         data={**fields, "username": username, "password": PEOPLE[username].password})
    assert answer.status_code == 302 and answer.headers["location"].startswith(f"{sso.base}/oauth2callback?")
    answer = client.get(answer.headers["location"])  # Streamlit exchanges the code
    assert answer.status_code in (302, 303), answer.text
    for _ in range(4):  # "/" → /login (hand-off) → the target
        location = answer.headers["location"]
        if not location.startswith(("/", sso.base)):
            break
        answer = client.get(location)
        if answer.status_code not in (302, 303):
            break
    return answer


def test_sign_on_opens_a_scoped_session_and_logout_ends_it_at_the_provider(sso: Sso) -> None:
    with httpx.Client(base_url=sso.base, timeout=30) as c:
        home = sign_on(sso, c, "op.village", next_path="%2Fstreams%2Fcam-jiangna-1.jpg")
        assert "token" in sso.idp.served  # the code was exchanged server-to-server
        # The remembered target is where the round trip ends: the own camera's snapshot.
        assert home.request.url.path == "/streams/cam-jiangna-1.jpg"
        assert home.status_code in (200, 503)
        assert c.cookies.get("zongzhi_session")
        assert c.get("/streams/cam-dage-village.jpg").status_code == 403  # another village
        with sso.adb.factory() as s:
            row = s.scalars(sa.select(WebSession)).one()
            assert row.method == "oidc"
        login = sso.audit("login")
        assert [(a.actor, a.detail.get("method")) for a in login] == [("op.village", "oidc")]
        assert login[0].center_path == VILLAGE_PATH
        # A session of the product now: the identity cookie alone is not what lets it in.
        assert c.get("/login").status_code == 303

        csrf = c.cookies.get("zongzhi_csrf")
        out = c.post("/logout", data={"csrf_token": csrf}, headers={"Origin": sso.base})
        assert out.status_code == 303 and out.headers["location"] == "/auth/logout"
        out = c.get("/auth/logout")
        assert out.status_code == 302 and out.headers["location"].startswith(f"{sso.idp.issuer}/logout?")
        assert "id_token_hint=" in out.headers["location"]
        assert not any(n.startswith("_streamlit_user") for n in c.cookies)
        back = c.get(out.headers["location"])
        assert back.status_code == 302 and "logout" in sso.idp.served
        assert c.get("/streams/cam-jiangna-1.jpg").status_code == 401
        again = c.get("/login")  # no silent sign-on after logging out
        assert again.status_code == 200 and 'id="sso"' in again.text
        assert "zongzhi_session=" not in again.headers.get("set-cookie", "")
        with sso.adb.factory() as s:
            assert s.scalars(sa.select(WebSession)).one().ended_at is not None


def test_identities_without_an_enabled_local_account_are_refused_and_audited(sso: Sso) -> None:
    for username, message in [
        ("stranger", "未在本系统开通"),
        ("op.pingyuan", "账号已停用"),
        ("anonymous", "未提供用户名"),
    ]:
        with httpx.Client(base_url=sso.base, timeout=30) as c:
            refused = sign_on(sso, c, username)
            assert refused.status_code in (401, 403) and message in refused.text, username
            assert "zongzhi_session" not in c.cookies
            # The refused identity is dropped, so the next visit shows the form again.
            assert not any(n.startswith("_streamlit_user") for n in c.cookies)
            assert c.get("/login").status_code == 200
    failed = [(a.actor, a.detail.get("reason"), a.detail.get("method")) for a in sso.audit("login_failed")]
    assert failed == [(None, "unknown_user", "oidc"), ("op.pingyuan", "disabled", "oidc"),
                      (None, "no_claim", "oidc")]
    with sso.adb.factory() as s:
        assert s.scalars(sa.select(WebSession)).all() == []


def test_stale_or_forged_identity_cookies_open_nothing(sso: Sso) -> None:
    claims = json.dumps({**PEOPLE["op.village"].claims, "is_logged_in": True, "provider": "default",
                         "origin": sso.base})

    class TenMinutesAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 600

    stale = URLSafeTimedSerializer(COOKIE_SECRET, salt="_streamlit_user", signer=TenMinutesAgo)
    forged = URLSafeTimedSerializer("another-secret-of-32-characters-xx", salt="_streamlit_user")
    fresh = URLSafeTimedSerializer(COOKIE_SECRET, salt="_streamlit_user")
    fresh_value = fresh.dumps(claims)
    for value, opens in [(stale.dumps(claims), False), (forged.dumps(claims), False),
                         (fresh_value, True), (fresh_value, False)]:  # the last: a replay
        with httpx.Client(base_url=sso.base, timeout=30) as c:
            c.cookies.set("_streamlit_user", value)
            answer = c.get("/login")
            assert (answer.status_code == 303) is opens
            assert ("zongzhi_session" in c.cookies) is opens
    # Only the correctly signed, fresh cookie counted, once; its copy was refused and audited.
    assert [a.actor for a in sso.audit("login")] == ["op.village"]
    assert [a.detail.get("reason") for a in sso.audit("login_failed")] == ["replayed"]


def test_one_time_password_does_not_bind_a_signed_on_session(sso: Sso) -> None:
    with sso.adb.factory.begin() as s:
        s.execute(sa.update(User).where(User.username == "op.village")
                  .values(must_change_password=True))
    with httpx.Client(base_url=sso.base, timeout=30) as c:
        home = sign_on(sso, c, "op.village")
        assert home.request.url.path == "/" and "/password" not in str(home.request.url)
        assert c.get("/streams/cam-jiangna-1.jpg").status_code in (200, 503)


def test_sign_on_in_chromium(sso: Sso) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backend = sso.adb.db.engine.dialect.name
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        try:
            page = browser.new_page()
            page.goto(f"{sso.base}/")
            assert page.url.startswith(f"{sso.base}/login?next=")
            button = page.locator("#sso")
            assert button.inner_text() == "统一身份认证登录 · Single sign-on"
            page.screenshot(path=str(ARTIFACTS / f"sso-login-{backend}.png"))
            button.click()
            page.wait_for_url(f"{sso.idp.issuer}/authorize?*")
            page.fill("#u", "op.village")
            page.fill("#p", PEOPLE["op.village"].password)
            page.click("#go")
            page.wait_for_url(f"{sso.base}/")
            page.get_by_text(f"op.village@{VILLAGE_PATH}").wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / f"sso-page-{backend}.png"))
            cookies = {c["name"]: c for c in page.context.cookies()}
            assert cookies["zongzhi_session"]["httpOnly"]
            refused = page.goto(f"{sso.base}/streams/cam-dage-village.jpg")
            assert refused is not None and refused.status == 403
        finally:
            browser.close()
