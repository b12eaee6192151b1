"""A stranger who knows a request id cannot keep its requester from verifying, in a real
headless Chromium: request ids are no secret (portal URLs, browser histories, proxy logs), and
whoever holds one may ask for codes; none of them voids the code the requester is about to type
(docs/verification.md, "One-time codes")."""

from __future__ import annotations

import re
from typing import Any

from .live import BROWSER_TESTS, Live, says

pytestmark = BROWSER_TESTS

ANNA = "anna.schmidt@example.com"
RID = re.compile(r"/portal/requests/([0-9a-f-]{36})/verify")


def test_the_requester_types_their_code_after_a_stranger_asked_for_every_other(
    browser: Any, live: Live
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live.base}/portal/new?lang=en")
        page.fill("#f-email", ANNA)
        seen = live.mails_to(ANNA)
        page.keyboard.press("Enter")
        says(page, "Code")
        found = RID.search(page.url)
        assert found is not None, page.url
        own = live.code_after(ANNA, seen)
        stranger = browser.new_context()  # another browser, which learnt the id somewhere
        try:
            url = f"{live.base}/api/v1/verification/{found.group(1)}/start"
            answers = [stranger.request.post(url, data={}).status for _ in range(10)]
        finally:
            stranger.close()
        assert answers == [202] * 9 + [429]
        page.fill("#f-code", own)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/portal/requests/[0-9a-f-]{36}\?outcome=bound"))
        says(page, "You are verified")
    finally:
        context.close()
