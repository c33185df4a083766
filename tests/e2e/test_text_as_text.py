"""In Chromium: Markdown, HTML, KaTeX and Streamlit colour syntax typed by users or written in
the deployment file shows as the characters typed, on every page, and makes no request leave.

``zongzhi serve`` runs a deployment whose center, grid, unit-head, department and camera names
are hostile; accounts carry hostile display names; through the API a case gets a hostile title,
description, reporter and address, a township returns its order with a hostile reason, the
prefecture urges it with a hostile message, its high-risk alert is acknowledged (with a hostile
name where the API still takes one) and a consultation on it gets a hostile invitee and note.
Then each page (wall, desk inbox, search and case page, alerts, analysis, cameras, consultation
list) is opened and must show the payloads literally: no ``<a href>`` or ``<img>`` towards
``evil.invalid``, no KaTeX, no bold or coloured "粗"/"红", and no request to ``evil.invalid``
(every request is routed through the test). The scope bar (breadcrumb and drill-down, on every
page) is checked on its own, so a leak there names itself. Screenshots: /tmp/shots/text/.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.e2e.ui import idle
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/shots/text")
EVIL = "evil.invalid"
PAYLOADS = ("[点我](http://evil.invalid/x)", "![m](http://evil.invalid/a.png)",
            "<img src=http://evil.invalid/b.png>", "<b>粗</b>", "$x^2$", ":red[红]", "**粗**")
ALL = " ".join(PAYLOADS)  # free text: titles, descriptions, reasons
LINKS = " ".join(PAYLOADS[:3])  # names are at most 100 (accounts 50) characters: two halves
MARKS = " ".join(PAYLOADS[3:])
SHORT = "[点我](http://evil.invalid/x) $x^2$ :red[红]"  # reporter (64) and display names (50)
PASSWORD = "Text-as-text-2024"
PREFECTURE, COUNTY, TOWN, VILLAGE = "532600", "532621", "532621001", "532621001001"
CAMERAS = {"cam-a": f"路口 {LINKS}", "cam-b": f"广场 {MARKS}", "cam-dead": f"大门 {LINKS}"}

DEPLOYMENT = f'''
name = "text as text"
[[centers]]
code = "{PREFECTURE}"
name = "文山州 {MARKS}"
level = 1
lat = 23.37
lon = 104.24
[[centers]]
code = "{COUNTY}"
name = "文山市 {LINKS}"
level = 2
parent = "{PREFECTURE}"
lat = 23.38
lon = 104.25
[[centers]]
code = "{TOWN}"
name = "东镇 {MARKS}"
level = 3
parent = "{COUNTY}"
lat = 23.39
lon = 104.26
[[centers]]
code = "{VILLAGE}"
name = "上村 {LINKS}"
level = 4
parent = "{TOWN}"
lat = 23.40
lon = 104.27
[[grids]]
code = "{VILLAGE}01"
name = "一网格 {MARKS}"
center = "{VILLAGE}"
households = 120
[[units]]
code = "{VILLAGE}0101"
grid = "{VILLAGE}01"
households = 12
head = "王 {MARKS}"
[[departments]]
code = "{COUNTY}-police"
name = "公安局 {LINKS}"
center = "{COUNTY}"
mode = "resident"
''' + "".join(f'''
[[cameras]]
id = "{cid}"
name = "{name}"
center = "{COUNTY}"
sub_url = "{'rtsp://127.0.0.1:9/none' if cid == 'cam-dead' else f'sim://?w=320&h=180&fps=2&label={cid}'}"
lat = 23.381
lon = 104.251
''' for cid, name in CAMERAS.items())
ACCOUNTS = {  # username → (center, role, display name)
    "zhou": (PREFECTURE, "leader", f"![m](http://evil.invalid/a.png) {MARKS}"[:50]),
    "shi": (COUNTY, "operator", SHORT),
    "zhen": (TOWN, "operator", "<img src=http://evil.invalid/b.png> **粗**"),
}


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    case: dict[str, Any] = field(default_factory=dict)


def _cli(settings: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "dashboard.server.cli", "--config", str(settings), *args],
                          cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _client(server: Served, username: str) -> closing[httpx.Client]:
    c = httpx.Client(base_url=server.url, timeout=30, headers={"Origin": server.url})
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get("/login").text)
    assert token is not None
    answer = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.text
    return closing(c)


def _act(c: httpx.Client, case: dict[str, Any], action: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = c.post(f"/api/cases/{case['id']}/actions",
                    json={"action": action, "payload": payload, "expected_version": case["version"]})
    assert answer.status_code == 200, (action, answer.text)
    return answer.json()


def _order(c: httpx.Client, case: dict[str, Any]) -> int:
    doc = c.get(f"/api/cases/{case['id']}").json()
    return next(o["id"] for o in doc["orders"] if o["center"] == TOWN)


def _populate(server: Served) -> None:
    """Every free-text field a person or a system fills, through the API as people do."""
    with _client(server, "shi") as shi, _client(server, "zhen") as zhen, _client(server, "zhou") as zhou:
        made = shi.post("/api/cases", json={
            "title": f"标题 {ALL}", "description": f"描述 {ALL}\n第二行 {ALL}", "kind": "dispute",
            "sub_kind": "neighbour", "channel": "walk_in", "center": COUNTY, "risk": "high",
            "reporter": SHORT, "reporter_phone": "13812345678", "address": f"地址 {ALL}"})
        assert made.status_code == 201, made.text
        case = _act(shi, made.json(), "accept", {"note": f"受理 {ALL}", "leader": SHORT[:50], "plan": f"预案 {ALL}"})
        case = _act(shi, case, "dispatch", {"lead": {"center": TOWN}, "note": f"派单 {ALL}"})
        order = _order(zhen, case)
        case = _act(zhen, case, "return", {"order_id": order, "reason": f"退回 {ALL}"})  # before 签收
        case = _act(shi, case, "approve_return", {"order_id": order, "note": f"同意退单 {ALL}"})
        case = _act(zhou, case, "urge", {"message": f"催办 {ALL}"})
        server.case = case
        alerts = zhou.get("/api/alerts").json()["items"]
        mine = [a for a in alerts if a.get("case_id") == case["id"] or a.get("case") == case["id"]]
        for alert in mine or alerts[:1]:
            for body in ({"by": ALL}, {"note": ALL}, None):  # a name field where the API takes one
                answer = zhou.post(f"/api/alerts/{alert['id']}/ack", **({"json": body} if body else {}))
                if answer.status_code == 200:
                    break
            assert answer.status_code == 200, answer.text
        started = shi.post("/api/consultations", json={"case_id": case["id"], "attach": 2})
        assert started.status_code == 201, started.text
        cid = started.json()["id"]
        invited = shi.post(f"/api/consultations/{cid}/invitations", json={"name": SHORT, "role": "guest"})
        assert invited.status_code in (200, 201), invited.text
        noted = shi.post(f"/api/consultations/{cid}/notes", json={"text": f"会商记录 {ALL}"})
        assert noted.status_code in (200, 201), noted.text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("text-as-text")
    (data / "deployment.toml").write_text(DEPLOYMENT, encoding="utf-8")
    port = free_port()
    settings = data / "settings.toml"
    settings.write_text(f'data_dir = "{data}"\ndeployment_file = "{data / "deployment.toml"}"\nport = {port}\n',
                        encoding="utf-8")
    _cli(settings, "db", "upgrade")
    _cli(settings, "import", str(data / "deployment.toml"))
    for username, (center, role, name) in ACCOUNTS.items():
        _cli(settings, "user", "add", username, "--center", center, "--role", role, "--name", name,
             "--password-stdin", stdin=PASSWORD + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.server.cli", "--config", str(settings), "serve"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    served = Served(f"http://127.0.0.1:{port}", proc)
    pump = threading.Thread(target=lambda: [served.output.append(line) for line in proc.stdout or []],
                            name="text-serve-output", daemon=True)
    pump.start()
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "".join(served.output[-40:])
        assert time.monotonic() < deadline, "".join(served.output[-40:])
        try:
            if httpx.get(f"{served.url}/_stcore/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    try:
        _populate(served)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        pump.join(10)
        if proc.stdout is not None:
            proc.stdout.close()


VISITS: dict[int, list[Visit]] = {}


@dataclass
class Visit:
    page: Page
    leaked: list[str]  # requests towards evil.invalid (aborted)
    outside: list[str]  # any request that left the server


def _visit(browser: Browser, server: Served, username: str) -> Iterator[Visit]:
    context: BrowserContext = browser.new_context(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
    visit = Visit(context.new_page(), [], [])

    def route(r: Route) -> None:
        url = r.request.url
        if EVIL in url:
            visit.leaked.append(url)
            r.abort()
        elif not url.startswith((server.url, "ws://127.0.0.1", "data:", "blob:")):
            visit.outside.append(url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    page = visit.page
    VISITS[id(page)] = [visit]
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"), timeout=60_000)
    try:
        yield visit
    finally:
        context.close()


@pytest.fixture(scope="module")
def leader(browser: Browser, server: Served) -> Iterator[Visit]:
    yield from _visit(browser, server, "zhou")


@pytest.fixture(scope="module")
def operator(browser: Browser, server: Served) -> Iterator[Visit]:
    yield from _visit(browser, server, "shi")


#: What a page must not hold, in any frame or shadow root, outside (or only inside) a region.
PROBE = """([scope, only]) => {
  const out = [];
  const inRegion = (el) => !!(scope && el.closest && el.closest(scope));
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (only ? !inRegion(el) : inRegion(el)) continue;
      for (const attr of ['href', 'src', 'srcset', 'xlink:href', 'poster', 'data', 'style', 'background']) {
        const v = el.getAttribute(attr) || (attr === 'xlink:href' ? el.getAttributeNS('http://www.w3.org/1999/xlink', 'href') : null);
        if (v && v.includes('evil.invalid')) out.push(`<${el.tagName.toLowerCase()} ${attr}=${v}>`);
      }
      const cls = (el.getAttribute('class') || '');
      if (/\\bkatex/.test(cls)) out.push(`KaTeX <${el.tagName.toLowerCase()} class=${cls}>`);
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
      if (['B', 'STRONG'].includes(el.tagName) && own === '粗') out.push(`bold 粗: ${el.outerHTML}`);
      if (own === '红' && el.tagName !== 'TEXTAREA') out.push(`coloured 红: ${el.outerHTML.slice(0, 200)}`);
    }
  };
  walk(document);
  return out;
}"""
TEXT = """() => {
  const parts = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { parts.push(el.shadowRoot.textContent); walk(el.shadowRoot); }
  };
  walk(document);
  return document.body.innerText + '\\n' + parts.join('\\n');
}"""
SCOPE_BAR = ".st-key-scopebar"


def _settle(page: Page, ready: str) -> None:
    for visit in VISITS.get(id(page), []):
        visit.leaked.clear()  # what this page asks for, not the pages before it
    idle(page)
    page.get_by_text(ready, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # live fragments and components draw once more
    idle(page)


def _problems(visit: Visit, region: str | None = SCOPE_BAR, only: bool = False) -> list[str]:
    found: list[str] = []
    for frame in visit.page.frames:
        try:
            found += frame.evaluate(PROBE, [region, only])
        except Exception as exc:  # noqa: BLE001 - a frame navigating away is not a finding
            if "detached" not in str(exc) and "destroyed" not in str(exc):
                raise
    return found


def _text(visit: Visit) -> str:
    return "\n".join(f.evaluate(TEXT) for f in visit.page.frames if not f.is_detached())


def _check(visit: Visit, name: str, shown: list[str]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    problems = _problems(visit)
    text = " ".join(_text(visit).replace("\u2060", "").split())  # md()'s invisible joiner
    missing = [s for s in shown if s not in text]
    assert not problems, f"{name}: rendered as Markdown/HTML:\n" + "\n".join(problems)
    # A request the scope bar's own elements explain is the scope bar's finding (its own test).
    chrome = _problems(visit, SCOPE_BAR, only=True)
    assert not visit.leaked or chrome, f"{name}: requests towards {EVIL}: {visit.leaked}"
    assert not visit.outside, f"{name}: requests leaving the server: {visit.outside}"
    assert not missing, f"{name}: not shown literally: {missing}"


def test_desk_inbox_shows_the_returned_case_literally(operator: Visit, server: Served) -> None:
    page = operator.page
    page.goto(f"{server.url}/dispatch?scope={COUNTY}")
    _settle(page, "待办")
    page.get_by_role("radio", name=re.compile(r"^退单待处理")).click()
    _settle(page, server.case["number"])
    _check(operator, "desk-inbox", [f"标题 {ALL}"])


def test_desk_search_shows_hits_literally(operator: Visit, server: Served) -> None:
    page = operator.page
    page.goto(f"{server.url}/dispatch?scope={COUNTY}")
    _settle(page, "待办")
    box = page.get_by_placeholder(re.compile("搜索"))
    box.fill(server.case["number"][-6:])
    box.press("Enter")
    _settle(page, server.case["number"])
    _check(operator, "desk-search", [f"标题 {ALL}", f"地址 {ALL}", SHORT])


def test_case_page_shows_every_field_literally(operator: Visit, server: Served) -> None:
    page = operator.page
    page.goto(f"{server.url}/dispatch?scope={COUNTY}&case={server.case['number']}")
    _settle(page, "办理过程")
    _check(operator, "desk-case", [
        f"标题 {ALL}", f"描述 {ALL}", f"地址 {ALL}", SHORT, f"退回 {ALL}", f"催办 {ALL}", f"受理 {ALL}",
        f"派单 {ALL}", f"东镇 {MARKS}", ACCOUNTS["zhen"][2],
        ACCOUNTS["zhou"][2],
    ])


def test_case_page_forms_show_deployment_names_literally(operator: Visit, server: Served) -> None:
    """The dispatch form offers the county's department and lower centers by name."""
    page = operator.page
    page.goto(f"{server.url}/dispatch?scope={COUNTY}&case={server.case['number']}")
    _settle(page, "办理过程")
    page.locator(".st-key-act_dispatch button").click()
    idle(page)
    page.get_by_text("主办单位（部门）").first.wait_for(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="主办单位（部门）").locator("input").click()
    page.wait_for_timeout(500)
    _check(operator, "desk-dispatch-form", [f"公安局 {LINKS}"])
    page.keyboard.press("Escape")


def test_consultation_list_shows_names_literally(operator: Visit, server: Served) -> None:
    page = operator.page
    page.goto(f"{server.url}/consultation?scope={COUNTY}")
    _settle(page, server.case["number"])
    _check(operator, "consultation", [f"标题 {ALL}", SHORT])


def test_alerts_show_names_and_acknowledger_literally(leader: Visit, server: Served) -> None:
    page = leader.page
    page.goto(f"{server.url}/alerts?scope={PREFECTURE}")
    _settle(page, "告警")
    page.get_by_role("radio", name="全部", exact=True).click()  # acknowledged ones too
    _settle(page, "标题")
    _check(leader, "alerts", [f"标题 {ALL}"])


def test_wall_shows_center_and_camera_names_literally(leader: Visit, server: Served) -> None:
    page = leader.page
    page.goto(f"{server.url}/?scope={COUNTY}")
    _settle(page, "文山市")
    page.wait_for_timeout(3000)  # the wall's tiles and lists draw from its socket
    _check(leader, "wall", [CAMERAS["cam-a"]])


def test_analysis_shows_center_names_literally(leader: Visit, server: Served) -> None:
    page = leader.page
    page.goto(f"{server.url}/analysis?scope={PREFECTURE}")
    _settle(page, "态势分析")
    page.wait_for_timeout(2000)  # plotly draws after the run
    _check(leader, "analysis", [])


def test_cameras_show_names_literally(leader: Visit, server: Served) -> None:
    page = leader.page
    page.goto(f"{server.url}/cameras?scope={COUNTY}")
    _settle(page, "设备")
    _check(leader, "cameras", [])
    table = page.locator('[data-testid="stDataFrame"]')
    assert table.count() == 1  # names are drawn on the grid's canvas, never as Markdown
    focus = page.locator("a[href*='focus=']").first if page.locator("a[href*='focus=']").count() else None
    assert focus is None or EVIL not in (focus.get_attribute("href") or "")


@pytest.mark.parametrize("scope", [PREFECTURE, COUNTY])
def test_scope_bar_shows_center_names_literally(leader: Visit, server: Served, scope: str) -> None:
    """The breadcrumb and the drill-down (dashboard/shared/chrome.py) on their own."""
    page = leader.page
    page.goto(f"{server.url}/analysis?scope={scope}")
    _settle(page, "态势分析")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(SCOPE_BAR).screenshot(path=str(SHOTS / f"scope-bar-{scope}.png"))
    problems = _problems(leader, SCOPE_BAR, only=True)
    crumb = " ".join(page.locator(SCOPE_BAR).inner_text().split())
    assert not problems, "scope bar: rendered as Markdown/HTML:\n" + "\n".join(problems)
    assert f"文山州 {MARKS}" in crumb, crumb
    assert not leader.leaked, leader.leaked
