"""`web_secret` rotated after a suspected leak: what was made under the secret it replaced (a
console user's TOTP secret, a mailed sign-in code, a console form's token) still works while
that secret is listed in `web_previous_secrets`, and stops working once it is removed; what is
made after the rotation is made under the new secret only, so that staff are not locked out
(REQUIREMENTS.md: Art. 32, keys of the processing can be changed) and requesters keep what
they were sent (Art. 12(2), the controller facilitates the exercise of the rights)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pyrage
import pytest

from rightful.domain.lifecycle import Role

from .conftest import ANNA_MAIL, Desk, make_desk
from .test_console import ADMIN, PASSWORD, add, form_token, sign_in
from .test_portal_codes import sign_in as portal_sign_in
from .test_portal_codes import stranger_asks, verified

NEW = "n" * 40  # the secret a DPO team sets after the leak


class Restarts:
    """rightful on one store and data folder, started again with other web settings."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path, self.desks = tmp_path, list[Desk]()

    def start(self, **web: object) -> Desk:
        desk = make_desk(f"sqlite:///{self.tmp_path}/rightful.db", self.tmp_path, **web)
        self.desks.append(desk)
        return desk

    @property
    def old_secret(self) -> str:
        """The generated secret the first start made (the line its file holds)."""
        return (self.tmp_path / "keys" / "web_secret").read_text().strip()

    def rotated(self, *, listed: bool) -> Desk:
        """Started with the new secret, the old one listed in web_previous_secrets or not."""
        return self.start(web_secret=NEW, web_previous_secrets=[self.old_secret] if listed else [])


@pytest.fixture
def restarts(tmp_path: Path) -> Iterator[Restarts]:
    r = Restarts(tmp_path)
    yield r
    for desk in r.desks:
        desk.c.store.engine.dispose()


def signed_in_page(desk: Desk, user: str, code: str) -> str:
    """The console's front page after signing in with `code` (the sign-in page when refused)."""
    browser = desk.another_browser()
    token = form_token(browser.get("/console/sign-in").text)
    browser.post("/console/sign-in", data={"csrf": token, "name": user, "password": PASSWORD,
                                           "code": code})  # fmt: skip
    return browser.get("/console").text


def test_staff_enrolled_before_the_rotation_sign_in_after_it_and_are_resealed(
    restarts: Restarts,
) -> None:
    before = restarts.start()
    add(before, "rita", Role.REVIEWER)
    code = before.web.staff_auth.totp_now("rita")

    unlisted = restarts.rotated(listed=False)
    assert "Open requests by deadline" not in signed_in_page(unlisted, "rita", code)
    listed = restarts.rotated(listed=True)
    assert "Open requests by deadline" in signed_in_page(listed, "rita", code)

    # That sign-in sealed rita's TOTP secret under the new secret: the old one can go.
    later = restarts.rotated(listed=False)
    later.world.clock.advance(timedelta(seconds=60))  # a code the first sign-in did not use
    assert "Open requests by deadline" in sign_in(later, "rita").get("/console").text


def test_a_sign_in_code_mailed_before_the_rotation_works_while_the_old_secret_is_listed(
    restarts: Restarts,
) -> None:
    before = restarts.start()
    rid = verified(before)
    assert stranger_asks(before.another_browser(), rid)[0] == 200
    code = before.code_for(ANNA_MAIL)

    unlisted = restarts.rotated(listed=False)
    status, text = portal_sign_in(unlisted.another_browser(), rid, code)
    assert status == 400 and "This code is not right" in text, text
    listed = restarts.rotated(listed=True)
    status, text = portal_sign_in(listed.another_browser(), rid, code)
    assert status == 200 and "Sign in to your request" not in text and "Your request" in text


def test_a_console_form_rendered_before_the_rotation_is_taken_while_the_old_secret_is_listed(
    restarts: Restarts,
) -> None:
    before = restarts.start()
    add(before, "rita", Role.REVIEWER)
    browser = sign_in(before, "rita")
    token = form_token(browser.get("/console").text)

    for listed in (False, True):
        after = restarts.rotated(listed=listed).another_browser()
        after.cookies = browser.cookies  # the same browser, talking to the restarted server
        after.post("/console/sign-out", data={"csrf": token})
        still_in = after.get("/console", follow_redirects=False).status_code == 200
        assert still_in is not listed  # refused as forged unless the old secret is listed


def test_a_download_protected_before_the_rotation_opens_with_its_passphrase_after_it(
    restarts: Restarts,
) -> None:
    """The file key of a passphrase-protected download is derived from web_secret: served
    under the new secret, the file would be one the passphrase does not open."""
    before = restarts.start()
    delivered = before.deliver()
    before.verified_download(delivered)
    page = before.post(f"/download/{delivered.link_id}/protect")
    phrase = page.text.split('class="passphrase"')[1].split(">")[1].split("<")[0]

    unlisted = restarts.rotated(listed=False)
    unlisted.client.cookies = before.client.cookies
    refused = unlisted.client.get(f"/download/{delivered.link_id}/file")
    assert refused.status_code == 409 and "Protect it again on the download page" in refused.text
    listed = restarts.rotated(listed=True)
    listed.client.cookies = before.client.cookies
    served = listed.client.get(f"/download/{delivered.link_id}/file")
    plain = pyrage.passphrase.decrypt(served.content, phrase)
    assert "manifest.json" in zipfile.ZipFile(BytesIO(plain)).namelist()


def test_a_client_address_locked_before_the_rotation_stays_locked_after_it(
    restarts: Restarts,
) -> None:
    """Failure counts keep the client's address as a hash keyed by web_secret: a rotation
    must not unlock an address that guessed too often."""
    before = restarts.start()
    add(before, "rita", Role.REVIEWER)
    for _ in range(5):
        sign_in(before, "rita", password="not rita's password")
    code = before.web.staff_auth.totp_now("rita")

    listed = restarts.rotated(listed=True)
    assert "Open requests by deadline" not in signed_in_page(listed, "rita", code)
    listed.web.staff_auth.unlock_user("rita", ADMIN)
    assert "Open requests by deadline" in signed_in_page(listed, "rita", code)


def test_the_stop_link_of_a_code_mail_sent_before_the_rotation_opens_while_listed(
    restarts: Restarts,
) -> None:
    before = restarts.start()
    delivered = before.deliver()
    before.client.get(f"/d/{delivered.token}")  # the holder of the link asks for a code
    before.post(f"/download/{delivered.link_id}/code")
    stop = re.search(r"(/download/\S+/stop\?token=[\w-]+)", before.mailer.to(ANNA_MAIL)[-1].text)
    assert stop is not None

    unlisted = restarts.rotated(listed=False)
    assert unlisted.another_browser().get(stop.group(1)).status_code == 404
    listed = restarts.rotated(listed=True)
    page = listed.another_browser().get(stop.group(1))
    assert page.status_code == 200 and "Stop your download link" in page.text


def test_a_not_mine_acknowledgement_sent_again_after_the_rotation_keeps_the_link_made_before(
    restarts: Restarts,
) -> None:
    """The relay refused the acknowledgement of a "not my data" report, and the daily job sends
    it after web_secret was rotated: it carries the deletion confirmation link the report's page
    showed (its digest is the one stored), which opens while the old secret is listed."""
    before = restarts.start()
    delivered = before.deliver()
    before.mailer.fail_with = "the mail server did not accept the message"
    page = before.post(f"/d/{delivered.token}/not-mine")
    on_page = re.search(r'action="/not-mine/([A-Za-z0-9_-]+)"', page.text)
    assert on_page is not None

    listed = restarts.rotated(listed=True)
    assert listed.c.notice_mail.retry() == (1, [])
    [ack] = [m for m in listed.mailer.to(ANNA_MAIL) if "stopped" in m.subject]
    mailed = re.search(r"/not-mine/([A-Za-z0-9_-]+)", ack.text)
    assert mailed is not None and mailed.group(1) == on_page.group(1)
    done = listed.post(f"/not-mine/{mailed.group(1)}", answer="deleted")
    assert "We recorded your answer" in done.text
