"""In a real headless Chromium: a DPO answers a verified objection in words from the request's
page, as `rightful requests answer` does; the page says so after the redirect, the request is
closed and the requester gets the words with their remedies (REQUIREMENTS.md:6, Art. 12(3)).
A DPO refuses a request whose requester could not be verified, as `rightful requests refuse
--unverified` does; the page then shows the reasons and the ground (Art. 12(4)). A DPO refuses
a repeated request as manifestly excessive, as `--manifestly excessive` does (REQUIREMENTS.md:8,
Art. 12(5)): a justification too short comes back with what was typed, still chosen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .live import BROWSER_TESTS, Live, says, shot
from .test_browser_delivery import staff_sign_in

pytestmark = BROWSER_TESTS

ANNA = "anna.schmidt@example.com"
IDA = "ida.wolf@example.com"
SYSTEM = Principal("system", None)
WORDS = "We stopped using your address for our newsletter and for profiling."


def verified_objection(live: Live) -> str:
    requests = live.world.c.requests
    new = NewRequest(RequestType.OBJECTION, Jurisdiction.GDPR, email=ANNA)
    rid: str = requests.submit(new, Principal("public", None)).id
    requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


def test_a_dpo_answers_an_objection_in_words_from_the_console(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    rid = verified_objection(live)
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, staff, tmp_path, name="dana", role="dpo")
    staff.goto(f"{live.base}/console/requests/{rid}")
    label = "What was done, as the requester will read it (20 to 5000 characters, in en)"
    staff.get_by_label(label).fill("\u200b" * 25)  # long enough for the browser, no words
    staff.get_by_role("button", name="Close and tell the requester").click()
    says(staff, "the answer: at least 20 visible characters")
    assert live.world.status(rid) is Status.VERIFIED
    seen = live.mails_to(ANNA)
    staff.get_by_label(label).fill(WORDS)
    shot(staff, "answer-in-words")
    staff.get_by_role("button", name="Close and tell the requester").click()
    says(staff, "Answered; the request is closed and the requester was told what was done.")
    assert live.world.status(rid) is Status.CLOSED
    assert "Answer in words" not in staff.content()
    told = live.next_mail(ANNA, seen)
    assert rid[:8] in told.subject and WORDS in told.text and "supervisory authority" in told.text


def test_a_dpo_refuses_an_unverified_request_from_the_console(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    requests = live.world.c.requests
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA)
    rid: str = requests.submit(new, Principal("public", None)).id
    requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, staff, tmp_path, name="rhea", role="dpo")
    staff.goto(f"{live.base}/console/requests/{rid}")
    seen = live.mails_to(ANNA)
    why = "We could not verify that the request is yours."
    staff.get_by_label("Reasons, one a line (sent to the requester as written)").fill(why)
    staff.get_by_label("Refused because the requester's identity could not be verified").check()
    shot(staff, "refuse-unverified")
    staff.get_by_role("button", name="Refuse and tell the requester").click()
    says(staff, "Refused; the requester was told the reasons and their right to complain.")
    says(staff, f"as the identity could not be verified, because: {why}")
    assert live.world.status(rid) is Status.REJECTED
    assert "Refuse the request" not in staff.content()
    told = live.next_mail(ANNA, seen)
    assert rid[:8] in told.subject and why in told.text and "supervisory authority" in told.text


def test_a_dpo_refuses_a_repeated_request_as_manifestly_excessive_from_the_console(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    requests = live.world.c.requests
    for _ in range(3):  # the same person asks three times, an hour apart
        live.world.clock.advance(timedelta(hours=1))
        new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=IDA)
        rid: str = requests.submit(new, Principal("public", None)).id
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, staff, tmp_path, name="remy", role="dpo")
    staff.goto(f"{live.base}/console/requests/{rid}")
    seen = live.mails_to(IDA)
    reasons = staff.get_by_label("Reasons, one a line (sent to the requester as written)")
    ground = staff.get_by_label("Refused as manifestly unfounded or excessive (Article 12(5) GDPR)")
    reasons.fill("The same request again.")
    ground.select_option(label="manifestly excessive")
    staff.get_by_role("button", name="Refuse and tell the requester").click()
    says(staff, "needs a justification of at least 50 characters in its reasons")
    assert reasons.input_value() == "The same request again."
    assert ground.input_value() == "excessive"
    assert live.world.status(rid) is Status.RECEIVED
    why = "The third identical access request this week; the first was answered in full."
    reasons.fill(why)
    shot(staff, "refuse-manifestly-excessive")
    staff.get_by_role("button", name="Refuse and tell the requester").click()
    says(staff, "Refused; the requester was told the reasons and their right to complain.")
    says(staff, f"as manifestly excessive, 2 other requests from the same requester in the year "
         f"before, because: {why}")  # fmt: skip
    assert live.world.status(rid) is Status.REJECTED
    told = live.next_mail(IDA, seen)
    assert "manifestly excessive (Article 12(5) GDPR)" in told.text and why in told.text
