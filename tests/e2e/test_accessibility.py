"""Every page a requester sees, and the console's main pages, pass axe-core's WCAG 2.0 and 2.1
level A and AA rules in a real headless Chromium (the EU Accessibility Act; REQUIREMENTS.md:
Art. 12(2), the controller facilitates the exercise of the rights). Each page is audited in its
usual states — both languages, a form sent back with errors, a request in review and one ready
to download, a CCPA request of an account holder waiting for their sign-in with the account, and
of a requester without one waiting for the declaration and a step-up, the step-up of a signed-in
requester (the status asking for one more confirmation, the page for the second code once sent
and sent back with a wrong one, the page for the shop account's token, empty and ready, and the
status once confirmed, while rightful gathers the data), the step-up by e-mail code of a request
confirmed by text message alone (its button; the address asked for, and sent back empty, when
the request holds none), the status of such a request whose data needs no more proof asking
for an e-mail address confirmed by a code for its link (and sent back empty), the download
pages by code, by the
mail's link and with a passphrase, the deletion confirmation after "not my data", an incident's
notice, the yearly figures and their form sent back — and a failure names every violation: its
rule, impact, help and the elements."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Assurance, Channel

from .live import BROWSER_TESTS, CODE, Live, live_server, says
from .test_browser_answer import verified_objection
from .test_browser_delivery import staff_sign_in, submit_and_verify

pytestmark = BROWSER_TESTS

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# What axe-core leaves to a person ("needs review") fails too, but for colour contrast: it cannot
# measure text over an image or an overlap and says so of pages that are fine.
FOR_A_PERSON = {"color-contrast"}
ANNA, BEN, DORA = "anna.schmidt@example.com", "ben.krueger@example.com", 5
HUGO, HUGO_ID, HUGO_PHONE = "hugo@example.com", 8, "0170 1234567"  # a customer of the estate
ISSUER, SECRET = "https://shop.example", "s" * 40  # the shop's app vouches for its customers
STOP = re.compile(r"/download/[0-9a-f]+/stop\?token=\S+")
CODE_LINK = re.compile(r"/download/[0-9a-f]+/code-link\?token=\S+")
DELETION = re.compile(r"/not-mine/[A-Za-z0-9_-]+")
REVIEWER = Principal("key:reviewer", Role.REVIEWER)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(  # SMS codes kept in memory and signed-in accounts: step-ups of each kind
        tmp_path_factory.mktemp("live"), collect_when_verified=True, sms_backend="log",
        account_assertion_issuer=ISSUER, account_assertion_secret=SECRET,
        account_assertion_identity="customer_id",
    ) as running:  # fmt: skip
        yield running


class Audit:
    """The violations found so far, and the results axe-core leaves for review, page by page."""

    def __init__(self, base: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe, self.base = Axe(), base
        self.found: dict[str, list[str]] = {}

    def check(self, page: Any, name: str) -> None:
        """Run axe-core's WCAG A and AA rules on the page as it is now."""
        options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
        results = self.axe.run(page, options=options).response
        found = [describe(v) for v in results["violations"]] + [
            describe(v, " (needs review)")
            for v in results["incomplete"]
            if v["id"] not in FOR_A_PERSON
        ]
        if found:
            self.found[f"{name} ({page.url})"] = found

    def visit(self, page: Any, path: str, name: str) -> None:
        """Open the server's page at `path` and audit it."""
        page.goto(self.base + path)
        self.check(page, name)

    def assert_none(self) -> None:
        """Fail with every violation of every page audited, if there is one."""
        if self.found:
            report = "\n".join(f"{page}:\n" + "\n".join(v) for page, v in self.found.items())
            pytest.fail("axe-core found WCAG 2.1 A/AA violations:\n" + report, pytrace=False)


def describe(violation: dict[str, Any], undecided: str = "") -> str:
    """One violation: its rule, impact and help, and the selector of each offending element."""
    nodes = "".join(f"\n      {' '.join(node['target'])}" for node in violation["nodes"])
    rule = f"{violation['id']} ({violation['impact']}){undecided}"
    return f"  - {rule}: {violation['help']}{nodes}"


@pytest.fixture
def audit(live: Live) -> Audit:
    return Audit(live.base)


def sent_back(page: Any, field: str, value: str) -> None:
    """Type a wrong value into the form's field and send it: it comes back with its errors."""
    page.fill(field, value)
    page.click("button[type=submit]")
    page.wait_for_selector(".summary")


def test_the_requester_pages_pass_wcag_21_aa(browser: Any, live: Live, audit: Audit) -> None:
    phone = {"width": 390, "height": 844}
    audit_the_forms(browser.new_context(viewport=phone), live, audit)
    rid = audit_a_request_to_its_download(browser.new_context(viewport=phone), live, audit)
    audit_signing_in(browser.new_context(), live, audit, rid)
    audit_a_ccpa_request_waiting(browser.new_context(viewport=phone), live, audit)
    audit_a_step_up(browser.new_context(viewport=phone), live, audit)
    audit_a_step_up_by_email(browser.new_context(viewport=phone), live, audit)
    audit_a_link_asking_for_an_address(browser.new_context(viewport=phone), live, audit)
    audit.assert_none()


def audit_the_forms(context: Any, live: Live, audit: Audit) -> None:
    """The home page, the forms empty and sent back, in both languages; received and verify."""
    page = context.new_page()
    for lang in ("en", "de"):
        audit.visit(page, f"/?lang={lang}", f"portal home, {lang}")
        audit.visit(page, f"/portal/new?lang={lang}", f"new request, GDPR, {lang}")
        audit.visit(
            page,
            f"/portal/new?type=opt_out&jurisdiction=ccpa&lang={lang}",
            f"new request, CCPA opt-out, {lang}",
        )
        sent_back(page, "#f-email", "not-an-address")
        audit.check(page, f"new request with errors, {lang}")
        audit.visit(page, f"/portal/check?lang={lang}", f"check a request, {lang}")
        sent_back(page, "#f-reference", "nonsense")
        audit.check(page, f"check a request with errors, {lang}")
        audit.visit(page, f"/portal/nothing-here?lang={lang}", f"not found, {lang}")
    page.goto(f"{live.base}/portal/new?type=opt_out&jurisdiction=ccpa&lang=en")
    page.fill("#f-email", "opt.out@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/received"))
    audit.check(page, "received (CCPA opt-out)")
    page.goto(f"{live.base}/portal/new")
    page.fill("#f-email", ANNA)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/verify"))
    audit.check(page, "verify")
    sent_back(page, "#f-code", "000000")
    audit.check(page, "verify with a wrong code")
    context.close()


def audit_a_request_to_its_download(context: Any, live: Live, audit: Audit) -> str:
    """A request's status in review and ready, its download pages, "not my data", stopping."""
    anna = context.new_page()
    rid = submit_and_verify(live, anna, ANNA)
    live.world.c.package_jobs.drain()  # type: ignore[union-attr]
    audit.visit(anna, f"/portal/requests/{rid}", "status, in review")
    package = live.world.c.packages.current(rid)
    live.world.c.package_review.approve(package.id, REVIEWER)
    issued = live.web.delivery.deliver(rid, package.id, REVIEWER)
    audit.visit(anna, f"/portal/requests/{rid}", "status, ready to download")
    link = f"/d/{issued.token}"
    audit.visit(anna, link + "?lang=de", "download, asking for a code, de")
    audit.visit(anna, link + "?lang=en", "download, asking for a code")
    seen = live.mails_to(ANNA)
    anna.get_by_role("button", name=re.compile("Send a code to")).click()
    says(anna, "Code")
    audit.check(anna, "download, the code sent")
    mail = live.next_mail(ANNA, seen).text
    code, stop, by_link = CODE.search(mail), STOP.search(mail), CODE_LINK.search(mail)
    assert code and stop and by_link, "the mail has no code, no stop link or no code link"
    for lang in ("de", "en"):
        anna.goto(f"{live.base}{by_link.group(0)}&lang={lang}")
        anna.locator("form[action$='/code-link'] button").wait_for()
        audit.check(anna, f"download, the mail's link, {lang}")
    held = "/download/" + by_link.group(0).split("/")[2]  # the link id, once the link is opened
    anna.goto(live.base + held + "/confirm")
    anna.get_by_label("Code").fill("000000")
    anna.get_by_role("button", name="Confirm", exact=True).click()
    says(anna, "This code is not right")
    audit.check(anna, "download, a wrong code")
    anna.get_by_label("Code").fill(code.group(1))
    anna.get_by_role("button", name="Confirm", exact=True).click()
    anna.get_by_role("link", name=re.compile("Download")).wait_for()
    audit.check(anna, "download, ready")
    for lang in ("de", "en"):
        anna.goto(f"{live.base}{held}?lang={lang}")
        anna.locator("form[action$='/protect'] button").click()
        anna.locator("#passphrase").wait_for()
        audit.check(anna, f"download, a passphrase, {lang}")
    audit.visit(anna, f"/portal/requests/{rid}?lang=de", "status, ready to download, de")
    audit.visit(anna, stop.group(0), "stop a link")
    audit.visit(anna, link + "/not-mine?lang=en", "not my data")
    anna.get_by_role("button", name="This is not my data").click()
    says(anna, "the link is stopped")
    audit.check(anna, "not my data, acknowledged")
    audit_the_deletion_confirmation(anna, live, audit, seen)
    anna.goto(live.base + link)
    says(anna, "This link was stopped")
    audit.check(anna, "download, a stopped link")
    audit.visit(anna, f"/portal/requests/{rid}/verify?lang=de", "verify, de")
    context.close()
    return rid


def audit_the_deletion_confirmation(page: Any, live: Live, audit: Audit, seen: int) -> None:
    """The page of the "not my data" mail's link asking whether the copy was deleted, and done."""
    mails = live.sink.wait_for(ANNA, seen + 2)  # the download code's, then the acknowledgement
    found = next(filter(None, (DELETION.search(mail.text) for mail in mails)), None)
    assert found is not None, "the acknowledgement has no link to confirm the deletion"
    for lang in ("de", "en"):
        page.goto(f"{live.base}{found.group(0)}?lang={lang}")
        page.locator("form[action^='/not-mine/'] fieldset").wait_for()
        audit.check(page, f"deletion confirmation, {lang}")
    page.get_by_label("I deleted every copy").check()
    page.get_by_role("button", name="Tell them").click()
    page.locator("[role=status]").wait_for()
    audit.check(page, "deletion confirmation, thanked")


def audit_a_ccpa_request_waiting(context: Any, live: Live, audit: Audit) -> None:
    """A CCPA request to know of an account holder (every customer of the shop): its status asks
    them to sign in with the account (§7061(b)), in both languages. The same status for a
    requester without an account asks for the signed declaration (§7062) and offers a step-up
    by text message, in both languages and with each form sent back."""
    page = context.new_page()
    page.goto(f"{live.base}/portal/new?jurisdiction=ccpa&lang=en")
    page.fill("#f-email", BEN)
    seen = live.mails_to(BEN)
    page.click("button[type=submit]")
    page.get_by_label("Code").fill(live.code_after(BEN, seen))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url(re.compile(r"/portal/requests/[0-9a-f-]{36}\?outcome="))
    status = page.url.split("?")[0]
    for lang in ("de", "en"):
        audit_status(page, audit, f"{status}?lang={lang}", "#account-sign-in-title",
                     f"an account holder asked to sign in, {lang}")  # fmt: skip
    requests = live.world.c.requests
    requests.account_holder, holder = None, requests.account_holder  # nobody holds an account
    try:
        audit_a_declaration(page, audit, status)
    finally:
        requests.account_holder = holder
    context.close()


def audit_a_declaration(page: Any, audit: Audit, status: str) -> None:
    """The status of a CCPA request to know of a requester without an account: the signed
    declaration and a step-up, in both languages, then each form sent back."""
    for lang in ("de", "en"):
        page.goto(f"{status}?lang={lang}")
        page.locator("#declaration-title").wait_for()
        page.locator("#step-up-title").wait_for()
        audit.check(page, f"status, a declaration and a step-up, {lang}")
    page.locator("form[action$='/declaration'] button").click()
    page.wait_for_selector(".summary")
    audit.check(page, "status, a declaration not signed")
    page.goto(status)
    page.locator("form[action$='/step-up'] button").first.click()
    page.wait_for_selector(".summary")
    audit.check(page, "status, a step-up with no number")


def audit_a_step_up(context: Any, live: Live, audit: Audit) -> None:
    """Signed in to a request confirmed by e-mail, a requester is asked for one more
    confirmation before sensitive data is gathered: the status offering a code by text message
    or the shop's account, the page for the code once sent and sent back with a wrong one, the
    page for the account's token (empty and ready), in both languages; then confirmed."""
    page = context.new_page()
    status = f"{live.base}/portal/requests/{submit_and_verify(live, page, HUGO)}"
    for lang in ("de", "en"):
        audit_status(page, audit, f"{status}?lang={lang}", "#step-up-title", f"a step-up, {lang}")
        page.fill("#f-address", HUGO_PHONE)
        page.locator("form[action$='/step-up'] button").first.click()
        page.wait_for_url(re.compile(r"/verify\?sent=1"))
        audit.check(page, f"step-up, the code sent, {lang}")
        sent_back(page, "#f-code", "000000")
        audit.check(page, f"step-up, a wrong code, {lang}")
    for lang in ("de", "en"):
        page.goto(f"{status}?lang={lang}")
        page.locator("#step-up-title ~ p > a[href$='/verify']").click()
        page.locator("#f-assertion").wait_for()
        audit.check(page, f"step-up by an account, {lang}")
    page.goto(f"{status}/verify?assertion={account_token(live, HUGO_ID)}")
    audit.check(page, "step-up by an account, its token ready")
    page.fill("#f-code", sms_code(live))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url(re.compile(r"\?outcome="))
    audit.check(page, "status, confirmed a second way")
    context.close()


def audit_a_step_up_by_email(context: Any, live: Live, audit: Audit) -> None:
    """Signed in to a request confirmed by text message alone, a requester is offered a code by
    e-mail: a button when the request holds their address, else a field for it, which comes
    back with its error when sent empty; in both languages."""
    page = context.new_page()
    status = f"{live.base}/portal/requests/{confirmed_by_text(live, page, HUGO)}"
    for lang in ("de", "en"):
        audit_status(page, audit, f"{status}?lang={lang}", "#step-up-title",
                     f"a step-up by e-mail, {lang}")  # fmt: skip
    page.locator("form[action$='/step-up'] button").click()
    page.wait_for_url(re.compile(r"/verify\?sent=1"))
    audit.check(page, "step-up by e-mail, the code sent")
    audit_address_asked(page, live, audit, "#f-email", "a step-up by e-mail with no address")
    context.close()


def audit_a_link_asking_for_an_address(context: Any, live: Live, audit: Audit) -> None:
    """Signed in to a request confirmed by text message alone, whose data needs no more proof,
    a requester is asked for an e-mail address to confirm by a code, since the link goes only
    to one: the status page, and the form sent back empty, in both languages."""
    standing = live.world.c.verification.standing
    standing.required, needed = Assurance.STANDARD, standing.required  # data that needs no more
    try:
        audit_address_asked(context.new_page(), live, audit, "#delivery-email-title",
                            "the link asking for an e-mail address")  # fmt: skip
    finally:
        standing.required = needed
    context.close()


def audit_address_asked(page: Any, live: Live, audit: Audit, ready: str, name: str) -> None:
    """A request of Hugo's confirmed by text message alone, holding no e-mail address: its
    status asking for one (`ready` on it), and the form sent back empty, in both languages."""
    status = f"{live.base}/portal/requests/{confirmed_by_text(live, page, None)}"
    for lang in ("de", "en"):
        audit_status(page, audit, f"{status}?lang={lang}", ready, f"{name}, {lang}")
        page.locator("form[action$='/step-up'] button").click()
        page.wait_for_selector(".summary")
        audit.check(page, f"status, {name}, sent back empty, {lang}")


def audit_status(page: Any, audit: Audit, url: str, ready: str, name: str) -> None:
    """Open a status page, wait for the element `ready` on it and audit it."""
    page.goto(url)
    page.locator(ready).wait_for()
    audit.check(page, f"status, {name}")


def confirmed_by_text(live: Live, page: Any, email: str | None) -> str:
    """A request of Hugo's made through the API with his phone (and `email`), confirmed by a
    code by text message; `page` signs in to it by another. Its id."""
    new = NewRequest(type=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, email=email,
                     phone=HUGO_PHONE, channel="api")  # fmt: skip
    c = live.world.c
    rid: str = c.requests.submit(new, Principal("public", None)).id
    before = next(iter(c.sms_sender.recent()), None)
    receipt = c.verification.start(rid, Channel.SMS)
    c.verification.submit_code(rid, receipt.challenge_id, sms_code(live, after=before))
    page.goto(f"{live.base}/portal/requests/{rid}/sign-in")
    before = next(iter(c.sms_sender.recent()), None)
    page.locator("form[action$='/sign-in'] button").click()
    page.fill("#f-code", sms_code(live, after=before))
    page.locator("form[action$='/sign-in/code'] button").click()
    page.wait_for_url(re.compile(rf"/portal/requests/{rid}$"))
    return rid


def sms_code(live: Live, after: Any = None) -> str:
    """The code of the newest text message, kept in memory by the "log" SMS backend; with
    `after`, of the first one newer than that message, once it is there."""
    for _ in range(100):
        recent = live.world.c.sms_sender.recent()  # type: ignore[union-attr]
        if recent and recent[0] is not after:
            break
        time.sleep(0.1)
    newest = recent[0]
    found = re.search(r"\b(\d{6})\b", newest.text)
    assert found is not None, "the text message has no code"
    return found.group(1)


def account_token(live: Live, customer: int) -> str:
    """A short-lived assertion of the shop's app that its signed-in user is this customer."""
    expires = live.world.clock.now() + timedelta(minutes=5)
    claims = {"iss": ISSUER, "aud": "rightful", "sub": str(customer), "jti": uuid.uuid4().hex,
              "exp": int(expires.timestamp())}  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


def audit_signing_in(context: Any, live: Live, audit: Audit, rid: str) -> None:
    """Signing in again to a request, by code and by link, refused, in both languages."""
    stranger = context.new_page()
    audit.visit(stranger, f"/portal/requests/{rid}", "sign-in")
    stranger.locator("form[action$='/sign-in'] button").click()
    stranger.wait_for_url(re.compile(r"sent=1"))
    audit.check(stranger, "sign-in, the code sent")
    audit.visit(stranger, f"/portal/requests/{rid}/sign-in/link?token=x", "sign-in by link")
    stranger.get_by_role("button").first.click()
    stranger.wait_for_selector(".summary")
    audit.check(stranger, "sign-in by link, refused")
    audit.visit(stranger, f"/portal/requests/{rid}/sign-in?lang=de", "sign-in, de")
    context.close()


def test_the_console_pages_pass_wcag_21_aa(
    browser: Any, live: Live, audit: Audit, tmp_path: Path
) -> None:
    rid = live.world.request_for(DORA, high=False)
    live.world.c.package_jobs.drain()  # type: ignore[union-attr]
    package = live.world.c.packages.current(rid)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = context.new_page()
    audit.visit(staff, "/console/sign-in", "console sign-in")
    staff_sign_in(live, staff, tmp_path, name="dana", role="dpo")
    audit.check(staff, "console request list")
    audit.visit(staff, f"/console/requests/{rid}", "console request")
    audit.visit(staff, f"/console/packages/{package.id}", "console package review")
    audit.visit(staff, "/console/incidents", "console incidents")
    audit.visit(
        staff, f"/console/requests/{verified_objection(live)}", "console request, an objection"
    )
    # Long enough for the browser, no words: the server sends the form back with its error.
    staff.get_by_label(re.compile("^What was done")).fill("\u200b" * 25)
    staff.get_by_role("button", name="Close and tell the requester").click()
    says(staff, "the answer: at least 20 visible characters")
    audit.check(staff, "console request, an answer too short")
    audit.visit(staff, "/console/paper-declarations", "console paper declarations")
    staff.get_by_role("link", name="Yearly figures").click()
    says(staff, "Requests received")
    audit.check(staff, "console yearly figures")
    staff.get_by_label("Year", exact=True).fill("20x6")
    staff.get_by_role("button", name="Show the figures").click()
    says(staff, "is not a year")
    audit.check(staff, "console yearly figures, a bad year")
    audit.visit(staff, "/console/incidents/new", "console new incident")
    staff.fill("#f-description", "A package went to the wrong address.")
    staff.get_by_role("button", name="Open and contain").click()
    says(staff, "Opened and contained.")
    audit.check(staff, "console incident")
    staff.get_by_role("button", name="Draft", exact=True).click()
    says(staff, "Drafted notice")
    staff.locator("a[href*='/console/incidents/notices/']").first.click()
    staff.locator("textarea").first.wait_for()
    audit.check(staff, "console incident notice")
    audit.visit(staff, "/console/incidents", "console incidents, one open")
    audit.visit(staff, "/console/requests/no-such-request", "console not found")
    staff.set_viewport_size({"width": 375, "height": 667})
    audit.visit(staff, "/console", "console request list, on a phone")
    context.close()
    audit.assert_none()
