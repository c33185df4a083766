"""Driving Streamlit widgets in Chromium the way a person does: wait for the run to settle,
open a select box by its caption and click the option, type into a field and leave it."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

WAIT = 30_000  # ms: a Streamlit rerun on two shared cores


def idle(page: Page) -> None:
    """Wait until no script run is under way and nothing of the previous run is left on the
    screen: a widget whose key follows another choice (the sub-kinds of a kind) is then the
    new one. A click or a blur marks the app running at once, so this never passes early."""
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')
        .dataset.testScriptState === 'notRunning' && !document.querySelector('[data-stale="true"]')""",
                           timeout=WAIT)


def choose(page: Page, caption: str, option: str) -> None:
    """A Streamlit select box: open it by its caption, click the option's text."""
    idle(page)
    box = page.get_by_label(caption, exact=True)
    for attempt in range(3):  # a page that redraws itself (live figures) may close the open list
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=WAIT // 3)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            idle(page)
    expect(box).to_have_value(option, timeout=WAIT)
    idle(page)


def type_in(page: Page, caption: str, text: str) -> None:
    """A text input or area: typed, then left (Streamlit takes the value on blur)."""
    idle(page)
    box = page.get_by_label(caption, exact=True)
    box.fill(text)
    box.press("Tab")
    idle(page)
