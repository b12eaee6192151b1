"""End to end in a real headless Chromium: a requester submits, confirms with the code from the
SMTP server, staff approve in the console, the requester downloads with a fresh code, the ZIP
opens and `rightful package verify` passes; a second person with the link and their own verified
identity cannot download; expired, revoked and used-up links are refused with a clear page; the
"not my data" click revokes at once (REQUIREMENTS.md: Identity; Breaches; Art. 5(2))."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from rightful.adapters.db.delivery import DownloadLinkRow
from rightful.domain.delivery import token_digest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal

from .live import BROWSER_TESTS, Live, live_server, says, shot

pytestmark = BROWSER_TESTS

ANNA, BEN = "anna.schmidt@example.com", "ben.krueger@example.com"
CARL, DORA, HUGO = 4, 5, 8
REVIEWER = Principal("key:reviewer", Role.REVIEWER)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(
        tmp_path_factory.mktemp("live"), link_max_downloads=1, collect_when_verified=True
    ) as running:
        yield running


@pytest.fixture
def person(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own cookies), phone-sized screen."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 390, "height": 844})
    yield context
    context.close()


def submit_and_verify(live: Live, page: Any, address: str, prefix: str = "") -> str:
    """Make a request in the portal and confirm it with the code from the mail."""
    page.goto(f"{live.base}/portal/new")
    page.get_by_label("E-mail address").fill(address)
    if prefix:
        shot(page, f"{prefix}-new-request")
    seen = live.mails_to(address)
    page.get_by_role("button", name="Send request").click()
    page.get_by_label("Code").fill(live.code_after(address, seen))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url(re.compile(r"/portal/requests/[0-9a-f-]{36}\?outcome="))
    return page.url.split("/portal/requests/")[1].split("?")[0]


def staff_sign_in(
    live: Live, page: Any, tmp: Path, name: str = "rita", role: str = "reviewer"
) -> None:
    """Add a staff member (a reviewer) with the CLI and sign in with password and TOTP."""
    env = {"RIGHTFUL_DATA_DIR": str(live.world.c.settings.data_dir),
           "RIGHTFUL_DATABASE_URL": live.world.c.settings.effective_database_url,
           "PATH": str(Path(sys.executable).parent)}  # fmt: skip
    done = subprocess.run(
        [str(Path(sys.executable).parent / "rightful"), "staff", "add-user", "--name", name,
         "--role", role], env=env, cwd=tmp, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    password = re.search(r"password\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    uri = re.search(r"(otpauth://\S+)", out).group(1)  # type: ignore[union-attr]
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    page.goto(f"{live.base}/console")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).at(live.world.clock.now()))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.base}/console")


def test_the_requester_gets_the_data_and_nobody_else_does(
    live: Live, person: Any, browser: Any, tmp_path: Path
) -> None:
    anna = person.new_page()
    rid = submit_and_verify(live, anna, ANNA, prefix="01")
    assert "We answer by" in anna.content()
    shot(anna, "02-status-with-deadline")
    # Verified, so collected and built on the server's build thread (collect_when_verified).
    live.world.c.package_jobs.drain()  # type: ignore[union-attr]
    package = live.world.c.packages.current(rid)
    assert package.status == "ready" and live.world.status(rid) is Status.IN_REVIEW

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, staff, tmp_path)
    assert rid[:8] in staff.content()
    shot(staff, "03-console-queue")
    staff.goto(f"{live.base}/console/requests/{rid}")
    shot(staff, "04-console-request")
    staff.goto(f"{live.base}/console/packages/{package.id}")
    shot(staff, "05-console-review")
    seen = live.mails_to(ANNA)
    staff.get_by_role("button", name="Approve and send the link").click()
    link = live.link_after(ANNA, seen)

    anna.goto(link)
    assert "This link alone opens nothing" in anna.content()
    shot(anna, "06-download-page")
    seen = live.mails_to(ANNA)
    anna.get_by_role("button", name=re.compile("Send a code to")).click()
    anna.get_by_label("Code").fill(live.code_after(ANNA, seen))
    anna.get_by_role("button", name="Confirm").click()
    shot(anna, "07-ready-to-download")
    with anna.expect_download() as started:
        anna.get_by_role("link", name=re.compile("Download")).click()
    zip_path = tmp_path / "data.zip"
    started.value.save_as(zip_path)
    assert "manifest.json" in zipfile.ZipFile(zip_path).namelist()
    rightful = str(Path(sys.executable).parent / "rightful")
    verified = subprocess.run(
        [rightful, "package", "verify", str(zip_path)], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The one download this link allows is used: a clear page says so.
    anna.goto(link)
    assert "This link has been used up" in anna.content()
    shot(anna, "08-used-up")

    # Ben verified his own request, then got hold of a new link to Anna's data.
    staff.goto(f"{live.base}/console/packages/{package.id}")
    seen = live.mails_to(ANNA)
    staff.get_by_role("button", name="Send a new link").click()
    second = live.link_after(ANNA, seen)
    ben = browser.new_context(accept_downloads=True).new_page()
    submit_and_verify(live, ben, BEN)
    ben_mails, anna_mails = live.mails_to(BEN), live.mails_to(ANNA)
    ben.goto(second)
    ben.get_by_role("button", name=re.compile("Send a code to")).click()
    live.next_mail(ANNA, anna_mails)  # the code went to Anna
    assert live.mails_to(BEN) == ben_mails  # and not to Ben
    ben.get_by_label("Code").fill("123456")
    ben.get_by_role("button", name="Confirm").click()
    says(ben, "This code is not right")
    shot(ben, "09-stranger-refused")
    link_id = re.search(r"/download/([0-9a-f]{32})/", ben.content()).group(1)  # type: ignore[union-attr]
    response = ben.goto(f"{live.base}/download/{link_id}/file")
    assert response is not None and response.status == 403


def test_revoked_expired_links_and_not_my_data(live: Live, person: Any) -> None:
    def delivered(customer: int) -> str:
        rid = live.world.request_for(customer, high=False)
        live.world.c.package_jobs.drain()  # type: ignore[union-attr]
        package = live.world.c.packages.current(rid)
        live.world.c.package_review.approve(package.id, REVIEWER)
        issued = live.web.delivery.deliver(rid, package.id, REVIEWER)
        return f"{live.base}/d/{issued.token}"

    page = person.new_page()
    revoked = delivered(CARL)
    (view,) = live.web.delivery.links_of(_request_of(live, revoked))
    live.web.delivery.revoke(view.id, REVIEWER)
    page.goto(revoked)
    assert "This link was stopped" in page.content()
    shot(page, "10-revoked")

    not_mine = delivered(DORA)
    page.goto(not_mine + "/not-mine")
    shot(page, "11-not-my-data")
    page.get_by_role("button", name="This is not my data").click()
    says(page, "the link is stopped")
    shot(page, "12-not-my-data-acknowledged")
    page.goto(not_mine)
    assert "This link was stopped" in page.content()

    expired = delivered(HUGO)
    clock = live.world.clock
    now = clock.now()
    clock.advance(timedelta(days=15))
    try:
        page.goto(expired)
        assert "This link has expired" in page.content()
        shot(page, "13-expired")
    finally:
        clock.set(now)


def _request_of(live: Live, url: str) -> str:
    token = url.rsplit("/", 1)[1]
    with live.world.c.store.transaction() as session:
        row = session.scalar(select(DownloadLinkRow).where(
            DownloadLinkRow.token_hash == token_digest(token)))  # fmt: skip
        assert row is not None
        return row.request_id
