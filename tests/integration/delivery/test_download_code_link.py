"""The link in a download-code mail: it confirms the download in a browser that holds the
download link, as the code does, once, for `code_window_hours`, also when wrong guesses locked its
code; and after a link's first ten codes the mails carry only the link, so that guessing a
download stays bounded for the link's life (REQUIREMENTS.md, Identity: a code to contact details
already on file; Art. 5(2): every disclosure provable afterwards, the chain with ids only)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from ..packages.world import REVIEWER
from .conftest import CSRF, Delivered, Desk

LINK = re.compile(r"(/download/[0-9a-f]{32}/code-link\?token=[0-9a-f]{32}\.[\w-]+)")
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def holding(desk: Desk, delivered: Delivered) -> TestClient:
    """A browser that opened the download link from the mail, as the requester would."""
    browser = desk.another_browser()
    assert browser.get(f"/d/{delivered.token}").status_code == 200
    return browser


def ask_code(browser: TestClient, link_id: str) -> tuple[int, str]:
    """Press "send me a code" on the download page: the status and text of the next page."""
    csrf = CSRF.search(browser.get("/portal/new").text)
    assert csrf is not None
    page = browser.post(f"/download/{link_id}/code", data={"csrf": csrf.group(1)})
    return page.status_code, page.text


def type_code(browser: TestClient, link_id: str, code: str) -> int:
    csrf = CSRF.search(browser.get("/portal/new").text)
    assert csrf is not None
    page = browser.post(f"/download/{link_id}/confirm", data={"csrf": csrf.group(1), "code": code})
    return page.status_code


def newest_link(desk: Desk, delivered: Delivered) -> str:
    found = LINK.search(desk.mailer.to(desk.address_of(delivered))[-1].text)
    assert found is not None, "no link in the newest download-code mail"
    return found.group(1)


def time_passes(desk: Desk, span: timedelta) -> None:
    """For the server's clock, which also decides when its signed cookies expire."""
    desk.world.clock.advance(span)


def press(browser: TestClient, page_text: str, path: str) -> tuple[int, str]:
    """Press the button of the mailed link's page: the status and text of the answer."""
    csrf, token = CSRF.search(page_text), TOKEN.search(page_text)
    assert csrf is not None and token is not None, page_text
    done = browser.post(path.split("?")[0], data={"csrf": csrf.group(1), "token": token.group(1)})
    return done.status_code, done.text


def open_link(browser: TestClient, path: str) -> tuple[int, str]:
    """Open the mailed link and press its button; the status and text of the answer."""
    page = browser.get(path)
    if page.status_code != 200:
        return page.status_code, page.text
    return press(browser, page.text, path)


def test_the_code_mails_link_opens_the_download_once_and_opening_it_changes_nothing(
    desk: Desk,
) -> None:
    delivered = desk.deliver()
    browser = holding(desk, delivered)
    status, text = ask_code(browser, delivered.link_id)
    assert status == 200 and "or open the link in that mail in this browser" in text, text
    link = newest_link(desk, delivered)
    assert "Confirm" in browser.get(link).text  # a mail scanner's GET opens nothing
    assert "Ready to download" not in browser.get(f"/download/{delivered.link_id}").text
    status, text = open_link(browser, link)
    assert status == 200 and "Ready to download" in text, text
    assert browser.get(f"/download/{delivered.link_id}/file").status_code == 200
    status, text = open_link(holding(desk, delivered), link)
    assert status == 409 and "This link was used already" in text, "not 'This code was used'"
    used = [e for e in desk.c.audit.timeline(delivered.request_id)
            if e.action == "delivery.code_link_used"]  # fmt: skip
    assert [sorted(e.summary) for e in used] == [["code_id", "link_id"]]


def test_the_link_works_when_wrong_guesses_locked_its_code(desk: Desk) -> None:
    delivered = desk.deliver()
    stranger = holding(desk, delivered)
    ask_code(stranger, delivered.link_id)
    code = desk.code_for(desk.address_of(delivered))
    for _ in range(5):
        type_code(stranger, delivered.link_id, "000000" if code != "000000" else "111111")
    assert type_code(stranger, delivered.link_id, code) == 423
    status, text = open_link(holding(desk, delivered), newest_link(desk, delivered))
    assert status == 200 and "Ready to download" in text, text


def test_the_link_opens_nothing_in_a_browser_without_the_download_link(desk: Desk) -> None:
    """As the code: the download session goes to a browser that came through the link's token
    (or is signed in for the request), never to whichever browser the mail is opened in."""
    delivered = desk.deliver()
    ask_code(holding(desk, delivered), delivered.link_id)
    link = newest_link(desk, delivered)
    status, text = open_link(desk.another_browser(), link)
    assert status == 403 and "Open the link from our e-mail" in text
    status, text = open_link(holding(desk, delivered), link)
    assert status == 200 and "Ready to download" in text, text


def test_the_link_works_for_its_hours_in_the_browser_that_asked_past_the_download_links_hour(
    desk: Desk,
) -> None:
    """The mail promises its link works in the browser where the download page was opened, for
    `code_window_hours`: the browser that asked holds the download link that long, not only the
    hour its token from the "ready" mail gave it. The proof stays a code to the channel on
    file (REQUIREMENTS.md:13)."""
    delivered = desk.deliver()
    browser = holding(desk, delivered)
    ask_code(browser, delivered.link_id)
    assert "for 24 hours" in desk.mailer.to(desk.address_of(delivered))[-1].text
    time_passes(desk, timedelta(hours=23))
    status, text = open_link(browser, newest_link(desk, delivered))
    assert status == 200 and "Ready to download" in text, text
    assert browser.get(f"/download/{delivered.link_id}/file").status_code == 200


def test_where_the_hour_ended_the_link_says_how_to_go_on_and_works_after_it(desk: Desk) -> None:
    """A browser that held the download link but did not ask for the code (the mail opened in
    another one, or the page left open past the hour): the page says what to do first, and the
    link, still unused, opens the download once the browser holds the download link again."""
    delivered = desk.deliver()
    ask_code(holding(desk, delivered), delivered.link_id)
    link = newest_link(desk, delivered)
    browser = holding(desk, delivered)
    page = browser.get(link)
    assert page.status_code == 200
    time_passes(desk, timedelta(hours=2))
    status, text = press(browser, page.text, link)
    assert status == 403, text
    assert "it works in the browser where you asked for the code" in text
    assert "Open the link from our e-mail that says your data is ready in this browser" in text
    assert "then open the link with your download code again: it still works" in text
    status, text = open_link(browser, link)
    assert status == 403 and "then open the link with your download code again" in text
    assert browser.get(f"/d/{delivered.token}").status_code == 200
    status, text = open_link(browser, link)
    assert status == 200 and "Ready to download" in text, text


def test_a_code_mails_link_opens_only_its_own_download_link(desk: Desk) -> None:
    first = desk.deliver()
    again = desk.web.delivery.deliver(first.request_id, first.package_id, REVIEWER)
    second = Delivered(first.request_id, first.package_id, again)
    browser = holding(desk, second)
    ask_code(holding(desk, first), first.link_id)
    path = newest_link(desk, first).replace(first.link_id, second.link_id)
    status, text = open_link(browser, path)
    assert status == 404 and "This link is not valid" in text


def test_after_ten_codes_a_links_mails_carry_only_the_link_so_guesses_stay_bounded(
    desk: Desk,
) -> None:
    """The first ten codes of a download link carry digits; later mails only the link, so
    that guessing stays at ten times five in a million for the link's life, not per window."""
    delivered = desk.deliver()
    browser = holding(desk, delivered)
    for _ in range(10):
        ask_code(browser, delivered.link_id)
    used_up = [e for e in desk.c.audit.timeline(delivered.request_id)
               if e.action == "delivery.download_codes_used_up"]  # fmt: skip
    summaries = [e.summary for e in used_up]
    assert [(s["link_id"], s["codes"], s["guesses"]) for s in summaries] == [
        (delivered.link_id, 10, 50)
    ]
    desk.world.clock.advance(timedelta(hours=24))
    browser = holding(desk, delivered)
    status, text = ask_code(browser, delivered.link_id)
    assert status == 200 and "We sent a link to" in text and 'name="code"' not in text, text
    mail = desk.mailer.to(desk.address_of(delivered))[-1]
    assert "Your download link" in mail.subject and "code:" not in mail.text, mail.text
    assert "Open this link to start the download" in mail.text
    status, text = open_link(browser, newest_link(desk, delivered))
    assert status == 200 and "Ready to download" in text, text


def test_a_code_typed_once_the_mails_carry_only_the_link_is_told_to_open_the_link(
    desk: Desk,
) -> None:
    """Not "too many wrong attempts": nothing was guessed, the newest mail has no code."""
    delivered = desk.deliver()
    browser = holding(desk, delivered)
    for _ in range(10):
        ask_code(browser, delivered.link_id)
    for _ in range(5):
        type_code(browser, delivered.link_id, "000000")
    desk.world.clock.advance(timedelta(hours=24))
    browser = holding(desk, delivered)
    ask_code(browser, delivered.link_id)
    csrf = CSRF.search(browser.get("/portal/new").text)
    assert csrf is not None
    page = browser.post(f"/download/{delivered.link_id}/confirm",
                        data={"csrf": csrf.group(1), "code": "123456"})  # fmt: skip
    assert page.status_code == 410, page.text
    assert "Our mails for this download now carry a link instead of a code" in page.text
