"""Driving Streamlit widgets in Chromium the way a person does: wait for the run to settle,
open a select box by its caption and click the option, type into a field and leave it."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

WAIT = 30_000  # ms: a Streamlit rerun on two shared cores


def idle(page: Page) -> None:
    """Wait until no script run is under way and nothing of the previous run is left on the
    screen: a widget whose key follows another choice (the sub-kinds of a kind) is then the
    new one. A click or a blur marks the app running at once, so this never passes early."""
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')
        .dataset.testScriptState === 'notRunning' && !document.querySelector('[data-stale="true"]')""",
                           timeout=WAIT)


def watch_runs(page: Page) -> None:
    """Note from now on whether a script run starts: the app's run state changes."""
    page.evaluate("""() => {
        const app = document.querySelector('[data-testid="stApp"]');
        window.__zzRan = false;
        if (window.__zzRuns) window.__zzRuns.disconnect();
        window.__zzRuns = new MutationObserver(() => { window.__zzRan = true; });
        window.__zzRuns.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    }""")


def settled(page: Page, started_within: int = 5_000) -> None:
    """After a change noted by :func:`watch_runs`: wait for its run to start, then
    :func:`idle`. The widget's value reaches the server a moment after the click, and until
    that run starts the page still reads "not running" with nothing stale, so ``idle`` alone
    can pass on the previous run's screen (seen: a pager read before the second filter took
    effect, a download button clicked as it was replaced)."""
    try:
        page.wait_for_function("() => window.__zzRan === true", timeout=started_within)
    except PlaywrightError:
        pass  # no run came (a value the widget already had): nothing to wait for
    idle(page)


def choose(page: Page, caption: str, option: str) -> None:
    """A Streamlit select box: open it by its caption, click the option's text, wait for the
    run that choice starts to finish."""
    idle(page)
    box = page.get_by_label(caption, exact=True)
    for attempt in range(3):  # a page that redraws itself (live figures) may close the open list
        box.click()
        try:
            watch_runs(page)
            page.get_by_role("option", name=option, exact=True).click(timeout=WAIT // 3)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            idle(page)
    expect(box).to_have_value(option, timeout=WAIT)
    settled(page)


def type_in(page: Page, caption: str, text: str) -> None:
    """A text input or area: typed, then left (Streamlit takes the value on blur)."""
    idle(page)
    box = page.get_by_label(caption, exact=True)
    box.fill(text)
    box.press("Tab")
    idle(page)


def search_for(page: Page, box: Locator, text: str) -> None:
    """Type ``text`` into a search box, press Enter, and wait for the run it starts."""
    idle(page)
    box.fill(text)
    watch_runs(page)
    box.press("Enter")
    settled(page)
