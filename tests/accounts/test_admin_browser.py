"""In Chromium against the real demo: every page says who is signed in and logs out; the
administrator creates an account by clicks (it logs in), disables it (it no longer can); a
non-administrator never sees the admin page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser import CHROMIUM
from tests.demo_server import Demo, login
from tests.e2e.ui import WAIT, idle, type_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/accounts")
PAGES = ("/", "/dispatch", "/alerts", "/analysis", "/cameras", "/consultation")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(Path(tmp_path_factory.mktemp("admin-demo")))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(**CHROMIUM)
        yield b
        b.close()


def who(page: Page) -> dict[str, str]:
    block = page.locator("#zz-who")
    expect(block).to_be_visible(timeout=WAIT)
    return {
        "name": page.locator("#zz-who-name").inner_text(),
        "roles": page.locator("#zz-who-roles").inner_text(),
        "center": page.locator("#zz-who-center").inner_text(),
    }


def sign_in(browser: Browser, demo: Demo, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = login(context, demo, username)
    idle(page)
    return page


def test_every_page_shows_who_is_signed_in_and_logout_ends_the_session(browser: Browser, demo: Demo) -> None:
    page = sign_in(browser, demo, "xian.duty")
    for path in PAGES:
        page.goto(demo.url + path)
        idle(page)
        shown = who(page)
        assert shown["name"].startswith("县中心值班员") and "xian.duty" in shown["name"], (path, shown)
        assert shown["roles"] == "值班员", (path, shown)
        assert shown["center"] == demo.centers["xian.duty"], (path, shown)
        if path == "/dispatch":
            page.screenshot(path=str(SHOTS / "who-dispatch.png"))
    # English too: the role is translated, never the stored value.
    page.goto(demo.url + "/alerts?lang=en")
    idle(page)
    assert who(page)["roles"] == "Duty officer"
    session = next(c["value"] for c in page.context.cookies() if c["name"] == "zongzhi_session")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login\?m=logged_out$"), timeout=WAIT)
    assert "已退出登录" in page.content()
    assert "zongzhi_session" not in {c["name"] for c in page.context.cookies()}
    page.screenshot(path=str(SHOTS / "logged-out.png"))
    # The session ended on the server: its cookie replayed opens nothing.
    with httpx.Client(base_url=demo.url, cookies={"zongzhi_session": session}) as replay:
        assert replay.get("/alerts").status_code == 303
    page.goto(demo.url + "/alerts")
    page.wait_for_url(re.compile(r".*/login\?next=.*"), timeout=WAIT)
    page.context.close()


def test_admin_creates_an_account_by_clicks_then_disables_it(browser: Browser, demo: Demo) -> None:
    page = sign_in(browser, demo, "admin")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("账号与令牌", exact=True)).to_be_visible(timeout=WAIT)
    nav.get_by_text("账号与令牌", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin.*"), timeout=WAIT)
    idle(page)
    expect(page.get_by_text("账号与令牌管理")).to_be_visible(timeout=WAIT)
    type_in(page, "用户名（小写字母、数字、_.-）", "new.op")
    type_in(page, "姓名", "新调度员")
    roles = page.get_by_label("角色", exact=True).first
    roles.click()
    page.get_by_role("option", name="调度员", exact=True).click()
    page.keyboard.press("Escape")
    idle(page)
    # Home center by clicking: the county, then its first township.
    county = demo.centers["xian.duty"]
    box = page.locator(".st-key-new_account_box")
    box.get_by_role("button", name=county, exact=True).click()
    idle(page)
    township = demo.centers["xiang.operator"]
    box.get_by_role("button", name=township, exact=True).click()
    idle(page)
    expect(box.get_by_text(f"已选：{township}")).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(SHOTS / "admin-new-account.png"), full_page=True)
    box.get_by_role("button", name="创建账号").click()
    idle(page)
    expect(box.get_by_text("已创建账号 new.op")).to_be_visible(timeout=WAIT)
    one_time = box.locator("[data-testid=stCode] code").inner_text().strip()
    assert len(one_time) >= 12
    page.screenshot(path=str(SHOTS / "admin-created.png"), full_page=True)

    # The new account logs in (its one-time password leads to the password form first).
    newcomer = browser.new_context(viewport={"width": 1600, "height": 1000})
    np = newcomer.new_page()
    np.goto(demo.url + "/login")
    np.fill("#username", "new.op")
    np.fill("#password", one_time)
    np.click("button[type=submit]")
    np.wait_for_url(re.compile(r".*/password.*"), timeout=WAIT)
    np.fill("#current", one_time)
    np.fill("#new", "New-Op-pass-2026")
    np.fill("#repeat", "New-Op-pass-2026")
    np.click("button[type=submit]")
    np.wait_for_url(re.compile(r".*/login.*"), timeout=WAIT)
    np.fill("#username", "new.op")
    np.fill("#password", "New-Op-pass-2026")
    np.click("button[type=submit]")
    np.wait_for_url(re.compile(r".*/(\?.*)?$"), timeout=60_000)
    idle(np)
    shown = who(np)
    assert shown["name"] == "新调度员 (new.op)" and shown["roles"] == "调度员" and shown["center"] == township
    assert np.get_by_test_id("stSidebarNav").get_by_text("账号与令牌", exact=True).count() == 0
    np.screenshot(path=str(SHOTS / "new-account-wall.png"))

    # The administrator disables it: its open page stops working, and it cannot log in.
    page.reload()
    idle(page)
    manage = page.locator(".st-key-manage_box")
    manage.get_by_label("选择账号", exact=True).click()
    page.keyboard.type("new.op")  # the list of the subtree's accounts is virtualised: filter it first
    page.get_by_role("option", name="new.op · 新调度员", exact=True).click()
    idle(page)
    manage.get_by_role("button", name="停用账号").click()
    idle(page)
    expect(page.get_by_text("已停用 new.op")).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(SHOTS / "admin-disabled.png"), full_page=True)
    np.goto(demo.url + "/alerts")
    np.wait_for_url(re.compile(r".*/login.*"), timeout=WAIT)
    np.fill("#username", "new.op")
    np.fill("#password", "New-Op-pass-2026")
    np.click("button[type=submit]")
    expect(np.get_by_role("alert")).to_contain_text("用户名或密码错误", timeout=WAIT)
    newcomer.close()
    page.context.close()


def test_non_administrators_never_see_the_admin_page(browser: Browser, demo: Demo) -> None:
    page = sign_in(browser, demo, "xian.leader")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("指挥大屏", exact=False).first).to_be_visible(timeout=WAIT)
    assert nav.get_by_text("账号与令牌", exact=True).count() == 0
    page.goto(demo.url + "/admin")
    idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "non-admin-at-admin-url.png"))
    assert page.get_by_text("账号与令牌管理").count() == 0
    assert page.get_by_text("新建账号").count() == 0
    assert page.locator("[data-testid=stCode]").count() == 0
    page.context.close()


def open_tokens_tab(page: Page) -> None:
    """Open the API 令牌 tab; a click that lands while the page's first run is still drawing is
    lost when the tabs are redrawn, so click until the tab says it is selected."""
    tab = page.get_by_role("tab", name="API 令牌")
    for _ in range(5):
        tab.click()
        idle(page)
        try:
            expect(tab).to_have_attribute("aria-selected", "true", timeout=3000)
            expect(page.get_by_label("允许的操作", exact=True)).to_be_visible(timeout=5000)
            return
        except AssertionError:
            continue
    expect(tab).to_have_attribute("aria-selected", "true")


def test_admin_creates_a_token_shown_once_and_sees_its_last_use(browser: Browser, demo: Demo) -> None:
    page = sign_in(browser, demo, "admin")
    page.goto(demo.url + "/admin")
    idle(page)
    open_tokens_tab(page)
    actions = page.get_by_label("允许的操作", exact=True)
    actions.click()
    page.keyboard.type("report")  # the long list is virtualised: filter it first
    page.get_by_role("option", name="上报 (report)", exact=True).click()
    page.keyboard.press("Escape")
    idle(page)
    page.get_by_label("可报送事件的受理渠道（授予“上报”时必选）", exact=True).click()
    page.get_by_role("option", name="12345热线", exact=True).click()
    page.keyboard.press("Escape")
    idle(page)
    type_in(page, "令牌名（小写字母、数字、_.-）", "hotline-12345")
    box = page.locator(".st-key-new_token_box")
    box.get_by_role("button", name=demo.centers["xian.duty"], exact=True).click()
    idle(page)
    box.get_by_role("button", name="创建令牌").click()
    idle(page)
    expect(box.get_by_text("已创建令牌 hotline-12345")).to_be_visible(timeout=WAIT)
    value = box.locator("[data-testid=stCode] code").inner_text().strip()
    assert value.startswith("zzt_")
    page.screenshot(path=str(SHOTS / "admin-token-created.png"), full_page=True)
    with httpx.Client(base_url=demo.url) as program:
        assert program.get("/api/cases", headers={"Authorization": f"Bearer {value}"}).status_code in (200, 403)
    page.reload()
    idle(page)
    open_tokens_tab(page)
    assert value not in page.content()  # shown once only
    table = page.locator("[data-testid=stDataFrame]:visible")  # the tokens tab's list
    expect(table.first).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(SHOTS / "admin-tokens.png"), full_page=True)
    page.context.close()
