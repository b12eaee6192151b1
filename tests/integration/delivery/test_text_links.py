"""Sign-in and download codes by text message carry the short form of their link, as the mails
do: a requester verified by phone alone is not locked out by a stranger who holds the request
id (it is no secret) and guesses wrong five times. Through the portal, over HTTP
(REQUIREMENTS.md, Identity: a code to contact details already on file; Art. 12(2): the
controller facilitates the exercise of the rights)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel, Factor
from rightful.services.identity_set import Proof, record_proof

from ..packages.world import AGENT, REVIEWER
from .conftest import ANNA, ANNA_MAIL, CSRF, Desk
from .test_portal import submit
from .test_portal_codes import sign_in, stranger_asks

PHONE = "+4915123456789"  # Anna's, on file in the estate
CODE = re.compile(r"code is (\d{6})")
PUBLIC = Principal("public", None)
SHORT = re.compile(r"https?://\S+(/t/[A-Za-z0-9_-]+)")


def verified_by_text(desk: Desk) -> str:
    """A request whose requester confirmed it with the code texted to their phone only."""
    rid = submit(desk, phone=PHONE)
    receipt = desk.c.verification.start(rid, Channel.SMS)
    code = re.search(r"(\d{6})", newest_text(desk))
    assert code is not None
    desk.c.verification.submit_code(rid, receipt.challenge_id, code.group(1))
    return rid


def newest_text(desk: Desk) -> str:
    return str(desk.c.sms_sender.recent()[0].text)


def short_link(text: str) -> str:
    found = SHORT.search(text)
    assert found is not None, f"no link in the text: {text}"
    return found.group(1)


def follow(client: TestClient, short: str) -> tuple[int, str]:
    """Open a texted link and press the button of the page it leads to, as the requester would."""
    page = client.get(short)
    assert page.status_code == 200, page.text
    csrf, token = CSRF.search(page.text), re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf is not None and token is not None
    done = client.post(page.url.path, data={"csrf": csrf.group(1), "token": token.group(1)})
    return done.status_code, done.text


def test_a_sign_in_text_carries_a_link_that_signs_in_after_a_stranger_locked_the_code(
    desk: Desk,
) -> None:
    rid = verified_by_text(desk)
    stranger = desk.another_browser()
    assert stranger_asks(stranger, rid)[0] == 200
    text = newest_text(desk)
    code = CODE.search(text)
    assert code is not None and len(text) <= 160, text  # one message
    for _ in range(5):
        sign_in(stranger, rid, "000000" if code.group(1) != "000000" else "111111")
    assert sign_in(desk.another_browser(), rid, code.group(1))[0] == 400  # locked
    requester = desk.another_browser()
    status, page = follow(requester, short_link(text))
    assert status == 200 and "Your request" in page, page
    signed_in = [e.summary for e in desk.c.audit.timeline(rid) if e.action == "portal.signed_in"]
    assert [s.get("by") for s in signed_in] == ["link"]
    assert follow(desk.another_browser(), short_link(text))[0] == 409  # once


def test_a_made_up_short_link_is_not_found(desk: Desk) -> None:
    rid = verified_by_text(desk)
    stranger_asks(desk.another_browser(), rid)
    short = short_link(newest_text(desk))
    made_up = short[: len("/t/") + 22] + "x" * 22
    for path in (made_up, "/t/nothing"):
        page = desk.another_browser().get(path)
        assert page.status_code == 404 and "This link is not valid" in page.text


def test_a_download_code_text_carries_a_link_that_opens_the_download(desk: Desk) -> None:
    """A request proven by a signed-in account and a texted code gets its download codes by
    text. The link opens the download only in the browser that holds the download link (from
    the "ready" mail), as the mailed link does."""
    rid = desk.c.requests.submit(NewRequest(RequestType.ACCESS, Jurisdiction.GDPR,
                                            email=ANNA_MAIL), PUBLIC).id  # fmt: skip
    with desk.c.store.transaction() as session:
        for identity, factor in (
            (Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.ACCOUNT_ASSERTION),
            (Identity(IdentityType.PHONE, PHONE), Factor.SMS_CODE),
        ):
            proof = Proof(identity, factor, f"t-{factor}", desk.c.clock.now())
            record_proof(session, desk.c.audit, rid, proof, PUBLIC)
    assert desk.c.subjects.settle(rid).outcome == "bound"
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    issued = desk.web.delivery.deliver(rid, package.id, REVIEWER)
    browser = desk.another_browser()
    assert browser.get(f"/d/{issued.token}").status_code == 200
    csrf = CSRF.search(browser.get(f"/download/{issued.link_id}").text)
    assert csrf is not None
    browser.post(f"/download/{issued.link_id}/code", data={"csrf": csrf.group(1)})
    text = newest_text(desk)
    assert CODE.search(text) and len(text) <= 160, text
    status, page = follow(browser, short_link(text))
    assert status == 200 and "Ready to download" in page, page
    used = [e.summary for e in desk.c.audit.timeline(rid) if e.action == "delivery.code_link_used"]
    assert [set(s) for s in used] == [{"link_id", "code_id"}]
