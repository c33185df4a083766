"""A case from report to close at the desk, in Chromium, by clicks only, four accounts.

Against the real ``zongzhi demo`` with accounts (``tests.demo_server``): the township operator
registers a handed-down case with a photo through the intake form, accepts it and dispatches
it to its village; the village operator, already on its inbox, sees the order within two
seconds without a reload, signs, starts handling and resolves; the township sends it back once
(返工), the village resolves again, the township verifies, makes the return visit and closes
it; the county leader finds it by six digits of its number and in the archive, and its page
reads in Chinese from the first line of the trail to the last. The prefecture leader urges
(催办) the village while it handles the case, so the 督办 history shows on the trail too.
After login no URL is typed. Each step is saved to ``artifacts/e2e-desk/NN-step.png``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dispatch.types import CaseKind, CaseState, Channel, OrderRole, OrderState, Risk, Satisfaction
from dispatch.workflow import TRANSITIONS
from tests.demo_server import ROOT, Demo, login
from tests.e2e.ui import WAIT, choose, idle, search_for, type_in

ARTIFACTS = ROOT / "artifacts" / "e2e-desk"
ISO = re.compile(r"\d{4}-\d\d-\d\dT")
#: Raw values a person must never read: every state, action, order role and state,
#: satisfaction, risk, channel and kind as stored, and Python's literals.
RAW = re.compile(r"\b({})\b|[{{}}]".format("|".join(sorted(
    {t.action for t in TRANSITIONS} | {"report"}
    | {e.value for enum in (CaseState, OrderRole, OrderState, Satisfaction, Risk, Channel, CaseKind)
       for e in enum}
    | {"None", "True", "False", "null"}, key=len, reverse=True))))
#: What the trail must name, in order: the Chinese name of every step taken.
STEPS = ("上报", "受理", "派单", "签收", "开始处置", "催办", "办结", "返工", "办结", "核查通过",
         "回访评价", "归档")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    server = Demo(tmp_path_factory.mktemp("demo"))
    yield server
    server.stop()


class Steps:
    """Numbered screenshots of the whole main area (it scrolls inside the page)."""

    def __init__(self, folder: Path = ARTIFACTS) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        self.n = 0

    def shot(self, page: Page, name: str) -> Path:
        settle(page)
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        size = page.viewport_size or {"width": 1600, "height": 1000}
        tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 6000))})
        try:
            page.wait_for_timeout(300)  # let the taller page lay out
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(size)
        return path


def settle(page: Page) -> None:
    """Wait until the run has finished drawing (no element of the previous screen left) and
    the photos have loaded; give the live tiles a moment to show their first frame."""
    page.wait_for_function("""() => !document.querySelector('[data-testid="stMain"] [data-stale="true"]')
        && [...document.querySelectorAll('[data-testid="stImage"] img')].every(i => i.complete)""",
                           timeout=WAIT)
    try:
        page.wait_for_function("""() => [...document.querySelectorAll('.zz-tile')]
            .every(t => t.dataset.frames !== '0')""", timeout=10_000)
    except PlaywrightTimeout:
        pass  # a tile without a picture is still worth a screenshot


def main_text(page: Page) -> str:
    """What the page's main area reads (the sidebar holds the language switch), without the
    names of icons (a ligature font draws "arrow_back" as an arrow)."""
    return str(page.evaluate("""() => {
        const icons = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stIconMaterial"]')];
        icons.forEach(i => i.style.display = 'none');
        try { return document.querySelector('[data-testid="stMain"]').innerText; }
        finally { icons.forEach(i => i.style.display = ''); }
    }"""))


def desk_of(browser: Browser, demo: Demo, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = login(context, demo, username)
    page.get_by_role("link", name="事件调度").click()
    expect(page.get_by_role("radio", name="待办", exact=True)).to_be_visible(timeout=WAIT)
    return page


def attach(page: Page, button: Locator, photo: Path) -> None:
    """Pick ``photo`` as a person does: the uploader's button, then the file. Streamlit's
    uploader now and then drops a file picked right as a run ends (it never sends it to the
    server); a person picks it again, and so does this, at most twice more."""
    for attempt in range(3):
        idle(page)
        with page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(photo)
        try:
            expect(page.get_by_text(photo.name)).to_be_visible(timeout=10_000 if attempt < 2 else WAIT)
            return
        except AssertionError:
            if attempt == 2:
                raise


def case_heading(page: Page) -> Locator:
    return page.locator(".zz-title").last


def act(page: Page, action: str, fill: dict[str, str] | None = None,
        pick: dict[str, str] | None = None) -> None:
    """Click the action's button on the open case page, fill its form, submit, and wait for
    the page to say it was done."""
    idle(page)
    page.get_by_role("button", name=action, exact=True).click()
    form = page.locator("[data-testid='stForm']").filter(has_text=action)
    expect(form).to_be_visible(timeout=WAIT)
    for caption, option in (pick or {}).items():
        choose(page, caption, option)
    for caption, text in (fill or {}).items():
        form.get_by_label(caption, exact=True).fill(text)
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_text(f"已执行：{action}", exact=True)).to_be_visible(timeout=WAIT)


def back_to_inbox(page: Page, tab: str, number: str) -> Locator:
    """From a case page back to the desk, on the inbox tab (its count at least one); returns
    the case's row there."""
    idle(page)
    page.get_by_role("button", name="返回队列").click()
    page.get_by_role("radio", name=re.compile(rf"^{tab} [1-9]\d*( · 新)?$")).click()
    row = page.get_by_role("button", name=re.compile(re.escape(number)))
    expect(row).to_be_visible(timeout=WAIT)
    return row


def open_row(page: Page, row: Locator, number: str) -> None:
    row.click()
    expect(case_heading(page)).to_contain_text(number, timeout=WAIT)
    idle(page)


def open_from_inbox(page: Page, tab: str, number: str) -> None:
    """From a case page back to the desk, the inbox tab, and the case by its row."""
    open_row(page, back_to_inbox(page, tab, number), number)


def state_is(page: Page, state: str) -> None:
    expect(page.locator("#zz-summary")).to_contain_text(f"状态{state}", timeout=WAIT)


def check_chinese(text: str, number: str) -> None:
    words = text.replace(number, "")
    assert not ISO.search(words), ISO.search(words)
    assert not RAW.search(words), RAW.search(words)
    assert not re.search(r"[A-Za-z]{3,}", words), re.search(r"[A-Za-z]{3,}", words)


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_a_hotline_case_from_intake_to_archive_by_clicks(browser: Browser, demo: Demo, tmp_path: Path) -> None:
    steps = Steps()
    stamp = str(int(time.time() * 1000))[-6:]
    title = f"楼道电动车充电纠纷{stamp}"
    photo = tmp_path / "scene.jpg"
    Image.new("RGB", (320, 240), (180, 120, 60)).save(photo, "JPEG", quality=80)
    village_name = demo.centers["cun.operator"]

    # The village operator waits on its inbox, on the tab of orders to sign.
    village = desk_of(browser, demo, "cun.operator")
    village.get_by_role("radio", name=re.compile(r"^待签收 \d+")).click()
    expect(village.get_by_text("更新于")).to_be_visible(timeout=WAIT)

    # 1. The township registers a handed-down case through the intake form.
    town = desk_of(browser, demo, "xiang.operator")
    town.get_by_text("登记新事件", exact=True).click()
    expect(town.get_by_text("登记新事件（本账号可用的受理渠道）")).to_be_visible(timeout=WAIT)
    idle(town)
    form_text = town.locator(".st-key-intake").inner_text()  # Streamlit's uploader words it too
    assert not re.search(r"Upload|per file|Browse|Drag", form_text), form_text
    assert not RAW.search(form_text) and not ISO.search(form_text), form_text
    button = town.locator(".st-key-intake [data-testid='stFileUploaderDropzone'] button "
                          "[data-testid='stMarkdownContainer']")
    assert button.evaluate("e => getComputedStyle(e, '::after').content") == '"选择照片"'
    town.get_by_text("上级交办", exact=True).click()  # the desk's channels only (no 12345)
    type_in(town, "标题 *", title)
    type_in(town, "描述", "三楼楼道有人私拉电线给电动车充电，邻居多次劝阻无果，来电要求处理。")
    choose(town, "类别 *", "矛盾纠纷")
    choose(town, "子类 *", "邻里纠纷")
    choose(town, "风险等级 *", "低")
    town.get_by_label("网格", exact=True).click()
    grid_name = town.get_by_role("option").first.inner_text()  # the township's first grid
    town.keyboard.press("Escape")
    choose(town, "网格", grid_name)
    type_in(town, "事发地址", "中城社区3栋2单元")
    type_in(town, "报告人", "王芳")
    type_in(town, "联系电话", "13812345678")
    type_in(town, "来文编号", f"JB-{stamp}")
    attach(town, button, photo)
    steps.shot(town, "intake-filled")
    town.get_by_role("button", name="提交", exact=True).click()
    flash = town.get_by_text(re.compile(r"^已登记事件 ZZ-\d{6}-\d{8}-\d{6,}$"))
    expect(flash).to_be_visible(timeout=WAIT)
    number = flash.inner_text().removeprefix("已登记事件 ").strip()
    expect(case_heading(town)).to_contain_text(title, timeout=WAIT)
    state_is(town, "待受理")
    summary = town.locator("#zz-summary").inner_text()
    for shown in ("上级交办", "矛盾纠纷 · 邻里纠纷", grid_name, "中城社区3栋2单元", "王芳", "138****5678"):
        assert shown in summary, (shown, summary)
    assert "13812345678" not in main_text(town)
    picture = town.locator("[data-testid='stImage'] img").first  # the photo, loaded
    expect(picture).to_be_visible(timeout=WAIT)
    town.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=picture.element_handle(),
                           timeout=WAIT)
    steps.shot(town, "registered")

    # Accept, then dispatch to the village (the lower-center list).
    act(town, "受理")
    state_is(town, "待派单")
    idle(town)
    town.get_by_role("button", name="派单", exact=True).click()
    form = town.locator("[data-testid='stForm']").filter(has_text="派单")
    expect(form).to_be_visible(timeout=WAIT)
    choose(town, "主办单位（下级中心） *", village_name)
    steps.shot(town, "dispatch-form")
    form.get_by_role("button", name="提交").click()
    expect(town.get_by_text("已执行：派单", exact=True)).to_be_visible(timeout=WAIT)
    dispatched = time.monotonic()
    state_is(town, "待签收")

    # 2. The village sees it within two seconds, without a reload.
    row = village.get_by_role("button", name=re.compile(re.escape(number)))
    expect(row).to_be_visible(timeout=5_000)
    waited = time.monotonic() - dispatched
    assert waited < 2.0, waited
    steps.shot(village, "village-inbox")
    open_row(village, row, number)
    expect(case_heading(village)).to_contain_text(title)
    state_is(village, "待签收")
    steps.shot(village, "village-case")
    act(village, "签收")
    state_is(village, "已签收")
    act(village, "开始处置", fill={"备注": "已联系物业到场"})
    state_is(village, "处置中")

    # The prefecture leader urges the village from its own desk (its inbox does not hold the
    # case: it finds it by its number).
    prefecture = desk_of(browser, demo, "zhou.leader")
    box = prefecture.get_by_placeholder("搜索编号、标题、地址、报事人、电话…")
    box.fill(number)
    box.press("Enter")
    hit = prefecture.get_by_role("button", name=re.compile(re.escape(number)))
    expect(hit).to_have_count(1, timeout=WAIT)
    open_row(prefecture, hit, number)
    act(prefecture, "催办", fill={"督办意见": "请于今日内处理完毕并反馈"})
    steps.shot(prefecture, "prefecture-urge")

    # The village finds the urged case under 督办催办, marked 已催办, and resolves it from there.
    row = back_to_inbox(village, "督办催办", number)
    # ``first``: while a live re-run replaces the rows, the old row and its new one may both
    # be on the page for a moment.
    expect(village.locator("[class*='st-key-inbox_row_']").filter(has=row).get_by_text("已催办", exact=True)
           .first).to_be_visible()
    steps.shot(village, "village-supervised")
    open_row(village, row, number)
    act(village, "办结", fill={"处置结果 *": "已拆除私拉电线，督促住户到集中充电点充电"})
    state_is(village, "待核查")
    steps.shot(village, "village-resolved")

    # 3. The township sends it back once, with a reason.
    open_from_inbox(town, "待核查", number)
    state_is(town, "待核查")
    act(town, "返工", fill={"原因 *": "未附整改后照片，请补充"})
    state_is(town, "处置中")
    steps.shot(town, "rework")

    open_from_inbox(village, "办理中", number)
    state_is(village, "处置中")
    act(village, "办结", fill={"处置结果 *": "已补充整改后现场照片，住户签字确认"})
    state_is(village, "待核查")

    open_from_inbox(town, "待核查", number)
    act(town, "核查通过", fill={"备注": "现场已整改"})
    state_is(town, "待回访")
    act(town, "回访评价", pick={"满意度 *": "满意"}, fill={"备注": "报事人表示满意"})
    state_is(town, "待归档")
    act(town, "归档")
    state_is(town, "已归档")
    steps.shot(town, "closed")

    # 4. The county leader finds it by six digits of its number, and in the archive.
    county = desk_of(browser, demo, "xian.leader")
    box = county.get_by_placeholder("搜索编号、标题、地址、报事人、电话…")
    search_for(county, box, number[-6:])
    expect(county.get_by_text("搜索结果（含已办结）")).to_be_visible(timeout=WAIT)
    hit = county.get_by_role("button", name=re.compile(re.escape(number)))
    expect(hit).to_have_count(1, timeout=WAIT)
    steps.shot(county, "county-search")
    search_for(county, box, "")
    county.get_by_role("radio", name="归档", exact=True).click()
    expect(county.get_by_text(re.compile(r"^共 \d+ 件 · 第 1/\d+ 页$"))).to_be_visible(timeout=WAIT)
    archived = county.get_by_role("button", name=re.compile(re.escape(number)))
    expect(archived).to_be_visible(timeout=WAIT)
    steps.shot(county, "county-archive")
    open_row(county, archived, number)
    expect(case_heading(county)).to_contain_text(title)
    state_is(county, "已归档")
    steps.shot(county, "county-case")

    # The whole page, trail included, reads in Chinese.
    text = main_text(county)
    check_chinese(text, number)
    trail = county.locator(".zz-ev")
    actions = [a.strip() for a in trail.locator(".h b").all_inner_texts()]
    assert [a for a in actions if a in STEPS] == list(STEPS), actions
    # The photo registered with the report shows under the report line, loaded.
    report_line = county.locator("[data-testid='stElementContainer']").filter(has=trail.first)
    photo_on_trail = report_line.locator("xpath=following-sibling::*[1]").locator("[data-testid='stImage'] img")
    expect(photo_on_trail).to_have_count(1)
    assert photo_on_trail.evaluate("i => i.complete && i.naturalWidth > 0")
    for reason in ("未附整改后照片，请补充", "已补充整改后现场照片，住户签字确认", "请于今日内处理完毕并反馈",
                   "满意", village_name):
        assert reason in text, reason
