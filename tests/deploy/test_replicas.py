"""Two app processes behind nginx on one PostgreSQL, started from ``examples/deploy/``.

A duty officer logs in through nginx in Chromium; her browser is held on one process (the
site's route cookie) while an alert is raised through the other process's API, and the wall
she sees shows it within 2 s (PostgreSQL LISTEN/NOTIFY wakes the other process's wall cache).
Failed logins count across both processes; a single sign-on started on one process is
completed on the other, and its identity cookie replayed on the first opens nothing. Each
timed job runs in one process only. nginx's access log (the example's ``upstream=`` field) says
which process served every request.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy.engine import make_url

from dashboard.server.replicas import lock_key
from dispatch.accounts import users
from dispatch.accounts.models import AccessAudit, LoginThrottle, WebSession
from dispatch.db import make_engine, make_session_factory
from tests.accounts.oidc_provider import OidcProvider, Person
from tests.browser import CHROMIUM
from tests.deploy.cluster import (
    CLIENT_SECRET,
    COOKIE_SECRET,
    SERVE_UNIT,
    WORKER_UNIT,
    Cluster,
    find_routes,
    fresh_database,
    nginx,
    render_settings,
    render_site,
    self_signed,
    start_processes,
)
from tests.e2e.ui import WAIT, idle
from tests.live import LiveASGI, free_port

SHOTS = Path("/tmp/shots/deploy")
PASSWORD = "Replica-Pw-2026!"
PEOPLE = {"sso.duty": Person("idp-Pw-9", {"sub": "u-9", "preferred_username": "sso.duty"})}
USERS = {"xian.duty": ["duty_officer", "operator"], "throttle.me": ["operator"],
         "sso.duty": ["duty_officer"]}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    work = tmp_path_factory.mktemp("replicas")
    work.chmod(0o755)
    data = work / "data"
    data.mkdir()
    listen = free_port()
    url = f"https://127.0.0.1:{listen}"
    callback = f"{url}/oauth2callback"
    idp = OidcProvider(issuer="", client_id="zongzhi", client_secret=CLIENT_SECRET,
                       redirect_uris=(callback,), people=PEOPLE)
    with fresh_database() as database_url, LiveASGI(idp.app(), name="test-idp") as provider:
        idp.issuer = provider.base
        settings = work / "settings.toml"
        settings.write_text(render_settings(database_url, data, {
            "server_metadata_url": f"{provider.base}/.well-known/openid-configuration",
            "client_id": "zongzhi", "client_secret": CLIENT_SECRET, "redirect_uri": callback,
            "cookie_secret": COOKIE_SECRET,
        }), encoding="utf-8")
        processes, ports = start_processes(database_url, settings, data)
        cluster = Cluster(url, database_url, ports, work, processes=processes)
        try:
            engine = make_engine(database_url)
            with make_session_factory(engine).begin() as s:
                for name, roles in USERS.items():
                    users.add_user(s, name, PASSWORD, "532622", roles)
            engine.dispose()
            cert, key = self_signed(work)
            with nginx(render_site(ports, listen, work, cert, key), work, url):
                cluster.routes = find_routes(cluster)
                yield cluster
        finally:
            for proc in processes:
                proc.stop()
            for proc in processes[:2]:  # the app processes' logs never carry a secret
                assert COOKIE_SECRET not in "\n".join(proc.lines)
                assert CLIENT_SECRET not in "\n".join(proc.lines)


def test_the_example_units_verify() -> None:
    """``systemd-analyze verify`` accepts both units (with this machine's program and user)."""
    program = shutil.which("zongzhi")
    assert program is not None
    with_dir = Path("/tmp/zongzhi-units")
    with_dir.mkdir(exist_ok=True)
    for unit in (SERVE_UNIT, WORKER_UNIT):
        text = unit.read_text(encoding="utf-8").replace("/opt/zongzhi/venv/bin/zongzhi", program)
        text = re.sub(r"(?m)^(User|Group)=zongzhi$", r"\1=root", text)
        (with_dir / unit.name).write_text(text, encoding="utf-8")
    instances = [str(with_dir / u.name.replace("@.", "@8501.")) for u in (SERVE_UNIT, WORKER_UNIT)]
    result = subprocess.run(["systemd-analyze", "verify", *instances],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


JOBS = ("sla-clock", "duty-escalation", "purge-sessions")


def job_holders(cluster: Cluster) -> dict[str, list[int]]:
    """Job → the operating-system pids of the processes holding its lock (from PostgreSQL)."""
    keys = {lock_key(j) & 0xFFFFFFFF: j for j in JOBS}
    conninfo = make_url(cluster.database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT l.objid, a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.datname = current_database() AND a.application_name LIKE 'zongzhi-jobs %'"
        ).fetchall()
    held: dict[str, list[int]] = {}
    for objid, name in rows:
        if int(objid) in keys:
            held.setdefault(keys[int(objid)], []).append(int(name.split()[-1]))
    return held


def wait_for_holders(cluster: Cluster, check: Callable[[dict[str, list[int]]], bool],
                     seconds: float = 60) -> dict[str, list[int]]:
    deadline = time.monotonic() + seconds
    while True:
        held = job_holders(cluster)
        if check(held):
            return held
        assert time.monotonic() < deadline, held
        time.sleep(0.3)


def test_each_timed_job_runs_in_one_process(cluster: Cluster) -> None:
    apps = {p.proc.pid for p in cluster.processes[:2]}
    held = wait_for_holders(cluster, lambda h: set(h) == set(JOBS))
    assert all(len(pids) == 1 and pids[0] in apps for pids in held.values()), held


def test_a_new_browser_gets_a_route_and_stays_on_its_process(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url, verify=False, timeout=30) as c:
        first = c.get("/login?stay=0")
        route = [h for h in first.headers.get_list("set-cookie") if h.startswith("zongzhi_route=")]
        assert len(route) == 1 and "HttpOnly" in route[0] and "Secure" in route[0], route
        for n in range(1, 6):
            again = c.get(f"/login?stay={n}")
            assert not any(h.startswith("zongzhi_route=") for h in again.headers.get_list("set-cookie"))
    served = cluster.served("GET", "/login")[-6:]
    assert len(set(served)) == 1, served


def test_the_worker_from_its_unit_holds_the_camera(cluster: Cluster) -> None:
    """``zongzhi-worker@PORT`` (``--id %H-%i``) takes the deployment's camera; with
    ``ingest = "workers"`` no app process pulls it."""
    worker = cluster.processes[2]
    port = worker.name.split("@", 1)[1]
    engine = make_engine(cluster.database_url)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert worker.proc.poll() is None, worker.tail()
            with engine.connect() as conn:
                owner = conn.execute(sa.text(
                    "SELECT worker_id FROM camera_leases WHERE camera_id = 'cam-jiangna-1'")).scalar()
            if owner is not None:
                break
            assert time.monotonic() < deadline, worker.tail()
            time.sleep(0.5)
        assert owner == f"{socket.gethostname()}-{port}"
    finally:
        engine.dispose()


def login(client: httpx.Client, cluster: Cluster, username: str, password: str) -> httpx.Response:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None, page.text
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token.group(1)},
                       headers={"Origin": cluster.url})


def test_failed_logins_count_across_both_processes(cluster: Cluster) -> None:
    clients = [cluster.client(0), cluster.client(1)]
    try:
        answers = [login(clients[n % 2], cluster, "throttle.me", "wrong").status_code
                   for n in range(6)]
        # Four failures cost nothing; the fifth, counted with the four across both processes
        # (three on one, two on the other), locks the pair: the sixth try is refused.
        assert answers == [401] * 5 + [429], answers
        right = login(clients[0], cluster, "throttle.me", PASSWORD)
        assert right.status_code == 429 and int(right.headers["retry-after"]) > 1
    finally:
        for c in clients:
            c.close()
    served = cluster.served("POST", "/login")[-7:]
    assert served == [0, 1, 0, 1, 0, 1, 0], served
    engine = make_engine(cluster.database_url)
    try:
        with engine.connect() as conn:
            failures = conn.execute(sa.select(LoginThrottle.failures).where(
                LoginThrottle.key.like("pair:user:%"))).scalars().all()
        assert failures == [5]
    finally:
        engine.dispose()


def sso_round(cluster: Cluster, start: int, finish: int) -> tuple[httpx.Response, httpx.Client]:
    """The single sign-on round trip, begun on process ``start`` (login button, Streamlit's
    login route) and finished on process ``finish`` (the provider's callback, the hand-off)."""
    c = cluster.client(start)
    link = re.search(r'<a class="sso" id="sso" href="([^"]+)"', c.get("/login?next=%2Falerts").text)
    assert link is not None
    answer = c.get(link.group(1).replace("&amp;", "&"))
    answer = c.get(answer.headers["location"])
    assert answer.status_code == 302, answer.text
    authorize = answer.headers["location"]
    form = c.get(authorize)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    answer = c.post(authorize.split("?", 1)[0],
                    data={**fields, "username": "sso.duty", "password": PEOPLE["sso.duty"].password})
    assert answer.status_code == 302
    c.cookies.set("zongzhi_route", cluster.routes[finish], domain="127.0.0.1")
    answer = c.get(answer.headers["location"])  # /oauth2callback on the other process
    assert answer.status_code in (302, 303), answer.text
    for _ in range(4):  # "/" → /login (the hand-off) → the target
        location = answer.headers.get("location", "")
        if not location.startswith(("/", cluster.url)):
            break
        answer = c.get(location)
        if answer.status_code not in (302, 303):
            break
    return answer, c


def test_single_sign_on_begun_on_one_process_completes_on_the_other(cluster: Cluster) -> None:
    before = len(cluster.served("GET", "/oauth2callback"))
    answer, c = sso_round(cluster, start=0, finish=1)
    try:
        assert answer.status_code == 200 and answer.url.path == "/alerts", answer.url
        assert c.cookies.get("zongzhi_session")
        assert cluster.served("GET", "/auth/login")[-1] == 0
        assert cluster.served("GET", "/oauth2callback")[before:] == [1]
        assert cluster.served("GET", "/login")[-1] == 1  # the hand-off
        identity = {k: v for k, v in c.cookies.items() if k.startswith("_streamlit_user")}
        assert identity
    finally:
        c.close()
    # The same identity cookie, copied to another browser on the first process: refused.
    logins = len(cluster.served("GET", "/login"))
    with cluster.client(0) as thief:
        for name, value in identity.items():
            thief.cookies.set(name, value, domain="127.0.0.1")
        replay = thief.get("/login?next=%2Falerts")
        assert replay.status_code == 401 and not thief.cookies.get("zongzhi_session")
    assert cluster.served_at_least("GET", "/login", logins + 1)[logins:] == [0]
    engine = make_engine(cluster.database_url)
    try:
        with make_session_factory(engine)() as s:
            opened = s.scalars(sa.select(WebSession).where(WebSession.method == "oidc")).all()
            replayed = s.scalars(sa.select(AccessAudit).where(
                AccessAudit.event == "login_failed")).all()
        assert len(opened) == 1
        assert [a.detail.get("reason") for a in replayed if a.detail.get("method") == "oidc"] == ["replayed"]
    finally:
        engine.dispose()


def feed_text(page: Page) -> str:
    return page.evaluate(
        """() => {
          const host = document.querySelector('[data-testid=stBidiComponentIsolated]');
          if (!host || !host.shadowRoot) return '';
          return Array.from(host.shadowRoot.querySelectorAll('.zz-feed-msg'))
            .map(e => e.textContent).join('\\n');
        }"""
    )


def test_alert_raised_through_one_process_shows_on_the_wall_of_the_other(cluster: Cluster) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    wall_backend, api_backend = 1, 0
    title = "水库溢洪道出现裂缝"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1600, "height": 1000})
        context.add_cookies([{"name": "zongzhi_route", "value": cluster.routes[wall_backend],
                              "domain": "127.0.0.1", "path": "/", "secure": True}])
        page = context.new_page()
        page.goto(cluster.url + "/")
        page.wait_for_url(re.compile(r"https://.*/login.*"), timeout=WAIT)
        page.fill("#username", "xian.duty")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"https://127\.0\.0\.1:\d+/(\?.*)?$"), timeout=60_000)
        idle(page)
        expect(page.locator("#zz-who-name")).to_contain_text("xian.duty", timeout=WAIT)
        page.wait_for_function(
            "() => { const h = document.querySelector('[data-testid=stBidiComponentIsolated]');"
            " return h && h.shadowRoot && h.shadowRoot.querySelector('.zz-feed'); }", timeout=WAIT)
        assert title not in feed_text(page)
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        # The same session, through nginx to the other process: the API of backend 0.
        with cluster.client(api_backend) as api:
            for name in ("zongzhi_session", "zongzhi_csrf"):
                api.cookies.set(name, cookies[name], domain="127.0.0.1")
            answer = api.post("/api/cases", json={
                "title": title, "description": "巡查发现裂缝约两米", "kind": "dispute",
                "channel": "walk_in", "center": "532622101", "risk": "high",
                "leader": "李主任", "plan": "专人盯守，每日报告"},
                headers={"X-CSRF-Token": cookies["zongzhi_csrf"], "Origin": cluster.url})
            raised = time.monotonic()
            assert answer.status_code in (200, 201), answer.text
        deadline = raised + 2.0
        while title not in feed_text(page):
            assert time.monotonic() < deadline, f"not on the wall 2 s after the API answered: {feed_text(page)!r}"
            time.sleep(0.05)
        seen = time.monotonic() - raised
        page.screenshot(path=str(SHOTS / "wall-of-the-other-process.png"))
        browser.close()
    print(f"alert on the other process's wall {seen:.2f} s after the API answered")
    assert cluster.served("POST", "/api/cases") == [api_backend]
    assert set(cluster.served("GET", "/_stcore/stream")) == {wall_backend}
    assert set(cluster.served("GET", "/api/wall/ws")) == {wall_backend}
    assert cluster.served("POST", "/login")[-1] == wall_backend


def test_when_a_process_dies_its_browsers_and_jobs_go_to_the_other(cluster: Cluster) -> None:
    """kill -9 of the process running the jobs: a browser routed to it is answered by the
    other process with the same session, and the jobs move over at their next round."""
    held = wait_for_holders(cluster, lambda h: "duty-escalation" in h)
    pids = [p.proc.pid for p in cluster.processes[:2]]
    dead = pids.index(held["duty-escalation"][0])
    alive = 1 - dead
    with cluster.client(alive) as c:
        assert login(c, cluster, "xian.duty", PASSWORD).status_code == 303
        session = c.cookies["zongzhi_session"]
    cluster.processes[dead].proc.kill()
    cluster.processes[dead].proc.wait(10)
    asked = len(cluster.served("GET", "/api/cases"))
    with cluster.client(dead) as c:  # the dead process's route
        c.cookies.set("zongzhi_session", session, domain="127.0.0.1")
        answer = c.get("/api/cases?limit=5")
        assert answer.status_code == 200, answer.text
    assert cluster.served_at_least("GET", "/api/cases", asked + 1)[asked:] == [alive]
    # The escalation pass runs every 2 s here ([duty] tick_seconds): it moves within a round.
    moved = wait_for_holders(cluster, lambda h: h.get("duty-escalation") == [pids[alive]], 30)
    assert all(p == pids[alive] for p in moved["duty-escalation"])
