"""The request form sent twice from a real headless Chromium is one request: the second answer
leads to the first request's code page, and the code of the one mail confirms it
(REQUIREMENTS.md: Art. 5(2); Identity: a code confirms the request it was sent for)."""

from __future__ import annotations

import re
from typing import Any

from rightful.services.request_queries import RequestFilter

from .live import BROWSER_TESTS, Live, says

pytestmark = BROWSER_TESTS

ANNA = "anna.schmidt@example.com"
# The first press of "Send": the form goes out with everything the browser would send (its
# fields, the token, the cookies), and its answer is never shown, as when a second press
# cancels the first while it is on its way.
FIRST_PRESS = """async () => {
    const form = document.querySelector('form[action="/portal/new"]');
    const body = new URLSearchParams(new FormData(form));
    const sent = await fetch(form.action, {method: "POST", body, redirect: "manual"});
    return sent.type;
}"""


def test_the_form_sent_twice_in_the_browser_is_one_request_confirmed_by_its_code(
    browser: Any, live: Live
) -> None:
    # The portal's CSP allows no script; this one only stands in for the first press.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live.base}/portal/new")
        page.get_by_label("E-mail address").fill(ANNA)
        seen = live.mails_to(ANNA)
        assert page.evaluate(FIRST_PRESS) == "opaqueredirect"  # the first made its request
        page.get_by_role("button", name="Send request").click()
        page.wait_for_url(re.compile(r"/portal/requests/[0-9a-f-]{36}/verify\?sent=1"))
        page.get_by_label("Code").fill(live.code_after(ANNA, seen))
        page.get_by_role("button", name="Confirm").click()
        says(page, "You are verified")
        made = live.world.c.requests.list(RequestFilter(limit=1000))
        [mine] = [r.id for r in made if r.requester_email == ANNA]  # one request, not two
        assert page.url.split("/portal/requests/")[1].split("?")[0] == mine
    finally:
        context.close()
