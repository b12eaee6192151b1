"""The portal with a small phone and with the keyboard alone, in a real headless Chromium:
targets large enough to tap, every step reachable by Tab and Enter."""

from __future__ import annotations

import re
from typing import Any

from .live import BROWSER_TESTS, Live, says

pytestmark = BROWSER_TESTS

ANNA = "anna.schmidt@example.com"


def test_on_a_small_phone_every_header_target_is_large_enough_to_tap(
    browser: Any, live: Live
) -> None:
    """WCAG 2.5.5: the brand link and the language switch are at least 44 by 44 CSS pixels at
    375 pixels wide, in both languages."""
    context = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        for lang in ("en", "de"):
            page.goto(f"{live.base}/portal/new?lang={lang}")
            targets = page.locator("header.site a, header.site [aria-current]")
            assert targets.count() == 3
            for i in range(targets.count()):
                box = targets.nth(i).bounding_box()
                assert box is not None and box["height"] >= 44 and box["width"] >= 44, (
                    targets.nth(i).inner_text(),
                    box,
                )
    finally:
        context.close()


def tab_to(page: Any, element_id: str) -> list[str]:
    """Press Tab until the element has the focus; the ids passed on the way."""
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if reached[-1] == element_id:
            return reached
    raise AssertionError(f"Tab never reached #{element_id}: {reached}")


def test_a_request_can_be_made_with_the_keyboard_alone(browser: Any, live: Live) -> None:
    """Tab reaches every field in order and Enter sends the form; no pointer needed."""
    context = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        page.goto(f"{live.base}/portal/new?lang=en")
        passed = tab_to(page, "f-email")
        assert passed.index("f-type") < passed.index("f-jurisdiction") < passed.index("f-email")
        page.keyboard.type(ANNA)
        seen = live.mails_to(ANNA)
        page.keyboard.press("Enter")
        says(page, "Code")
        tab_to(page, "f-code")
        page.keyboard.type(live.code_after(ANNA, seen))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/portal/requests/[0-9a-f-]{36}\?outcome="))
        says(page, "You are verified")
    finally:
        context.close()


def test_after_an_error_the_focus_is_on_the_summary_and_tab_leads_to_the_field(
    browser: Any, live: Live
) -> None:
    """WCAG 3.3.1 and 2.4.3: a form sent back with errors opens with the focus on the summary
    of what to fix (a screen reader reads it; the keyboard is not left at the top of the page),
    and its first link leads to the field, in both languages and without scripts."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for lang, heading in (("en", "There is a problem"), ("de", "Es gibt ein Problem")):
            page.goto(f"{live.base}/portal/new?lang={lang}")
            page.fill("#f-email", "not-an-address")
            page.click("button[type=submit]")
            says(page, heading)
            focused = page.evaluate(
                "[document.activeElement.className, document.activeElement.innerText]"
            )
            assert focused[0] == "alert summary" and heading in focused[1], focused
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.getAttribute('href')") == "#f-email"
            assert page.input_value("#f-email") == "not-an-address"
    finally:
        context.close()
