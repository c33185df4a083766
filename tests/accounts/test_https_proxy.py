"""Behind Debian's nginx as a TLS-terminating reverse proxy, configured with the README's
example verbatim: cookies are Secure, redirects keep https, the audit sees the user's address,
and the command center works in Chromium through it.

nginx connects to the server from 127.0.0.2, an address only our ``trusted_proxies`` names
(uvicorn itself trusts 127.0.0.1 alone), so what is tested is the product's setting.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import Demo
from tests.deploy.cluster import nginx
from tests.e2e.ui import WAIT, idle
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/shots/accounts")


def readme_nginx_site() -> str:
    """The nginx example of the README's "Behind an HTTPS reverse proxy" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Behind an HTTPS reverse proxy", 1)[1]
    return section.split("```nginx\n", 1)[1].split("```", 1)[0]


@dataclass
class Proxy:
    url: str
    demo: Demo
    data: Path


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    work = tmp_path_factory.mktemp("https-proxy")
    work.chmod(0o755)
    key, cert = work / "zongzhi.key", work / "zongzhi.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    settings = work / "settings.toml"
    settings.write_text('[auth]\ntrusted_proxies = ["127.0.0.2/32"]\n', encoding="utf-8")
    data = work / "data"
    demo = Demo(data, "--config", str(settings), "--cases", "300", "--activity", "0")
    port = free_port()
    site = readme_nginx_site()
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    site = site.replace("/etc/nginx/tls/zongzhi.crt", str(cert)).replace("/etc/nginx/tls/zongzhi.key", str(key))
    site = site.replace("proxy_pass http://127.0.0.1:8501;",
                        f"proxy_pass http://127.0.0.1:{demo.port};\n        proxy_bind 127.0.0.2;")
    assert f"127.0.0.1:{demo.port}" in site and str(cert) in site
    temp = work / "nginx-temp"
    temp.mkdir()
    temp.chmod(0o777)
    conf = (
        f"pid {work / 'nginx.pid'};\nerror_log {work / 'error.log'} info;\nevents {{}}\n"
        "http {\n"
        f"  access_log {work / 'access.log'};\n"
        + "".join(f"  {kind}_temp_path {temp / kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + site + "\n}\n"
    )
    url = f"https://127.0.0.1:{port}"
    try:
        with nginx(conf, work, url):
            yield Proxy(url, demo, data)
    finally:
        demo.stop()


def login(client: httpx.Client, proxy: Proxy, username: str) -> httpx.Response:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    return client.post(
        "/login", data={"username": username, "password": proxy.demo.accounts[username][0],
                        "csrf_token": token.group(1), "next": "/alerts"},
        headers={"Origin": proxy.url},
    )


def test_cookies_are_secure_and_redirects_keep_https(proxy: Proxy) -> None:
    with httpx.Client(base_url=proxy.url, verify=False, follow_redirects=False, timeout=30) as c:
        first = c.get("/alerts")
        assert first.status_code == 303 and not first.headers["location"].startswith("http:")
        answer = login(c, proxy, "zhou.leader")
        assert answer.status_code == 303, answer.text
        set_cookies = answer.headers.get_list("set-cookie")
        for name in ("zongzhi_session", "zongzhi_csrf"):
            line = next(h for h in set_cookies if h.startswith(name + "="))
            assert "; Secure" in line, line
        # An absolute redirect made by the framework keeps the public scheme, host and port.
        slash = c.get("/api/cases/")
        assert slash.status_code in (301, 307, 308)
        assert slash.headers["location"] == f"{proxy.url}/api/cases", slash.headers["location"]
        assert c.get("/api/cases").status_code == 200
    # The audit saw the user's address (nginx's $remote_addr), not the proxy's 127.0.0.2.
    db = next(proxy.data.glob("*.db"))
    with sqlite3.connect(db) as con:
        addresses = {row[0] for row in con.execute(
            "select address from access_audit where event = 'login' and actor = 'zhou.leader'")}
    assert addresses == {"127.0.0.1"}, addresses


def test_the_command_center_works_through_the_proxy_in_chromium(proxy: Proxy) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto(proxy.url + "/alerts")
        page.wait_for_url(re.compile(r"https://.*/login\?next=.*"), timeout=WAIT)
        page.fill("#username", "xian.duty")
        page.fill("#password", proxy.demo.accounts["xian.duty"][0])
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"https://.*/alerts.*"), timeout=60_000)
        idle(page)  # Streamlit's page socket works through the proxy
        expect(page.locator("#zz-who-name")).to_contain_text("xian.duty", timeout=WAIT)
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["zongzhi_session"]["secure"] and cookies["zongzhi_session"]["httpOnly"]
        page.screenshot(path=str(SHOTS / "through-https-proxy.png"))
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(re.compile(r"https://.*/login\?m=logged_out$"), timeout=WAIT)
        browser.close()
