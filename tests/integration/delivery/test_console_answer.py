"""The console's answer in words (`rightful requests answer` on the request's page): DPO only,
the same rules for the words, the same audit, state and notice as the CLI and the API
(REQUIREMENTS.md:6, Art. 12(3))."""

from __future__ import annotations

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA, ANNA_MAIL, Desk
from .test_console import add, form_token, sign_in

SYSTEM = Principal("system", None)
ANSWER = "We stopped using your address for our newsletter and profiling."


def verified_objection(desk: Desk) -> str:
    new = NewRequest(RequestType.OBJECTION, Jurisdiction.GDPR, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


def test_an_answer_from_the_console_closes_the_request_and_tells_the_requester(
    desk: Desk,
) -> None:
    """The console's form does what `rightful requests answer` does: DPO only, the same rules
    for the words, the same audit and notice (REQUIREMENTS.md:6, Art. 12(3))."""
    rid = verified_objection(desk)
    add(desk, "andy", Role.AGENT)
    add(desk, "dana", Role.DPO)
    andy = sign_in(desk, "andy")
    page = andy.get(f"/console/requests/{rid}").text
    assert "Answer in words" not in page
    forged = andy.post(f"/console/requests/{rid}/answer",
                       data={"csrf": form_token(page), "text": ANSWER})  # fmt: skip
    assert forged.status_code == 403 and desk.c.requests.get(rid).status == Status.VERIFIED
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    assert "Answer in words" in page
    short = dana.post(f"/console/requests/{rid}/answer",
                      data={"csrf": form_token(page), "text": "done  \u200b"})  # fmt: skip
    assert "at least 20 visible characters" in short.text
    reversed_ = dana.post(f"/console/requests/{rid}/answer",
                          data={"csrf": form_token(page), "text": ANSWER + "\u202e"})  # fmt: skip
    assert "the answer: contains control characters" in reversed_.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    done = dana.post(f"/console/requests/{rid}/answer",
                     data={"csrf": form_token(page), "text": ANSWER})  # fmt: skip
    assert "Answered; the request is closed" in done.text
    assert desk.c.requests.get(rid).status == Status.CLOSED
    [told] = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert "what we did" in told.subject
    assert ANSWER in told.text and "supervisory authority" in told.text
    timeline = desk.c.audit.timeline(rid)
    [notice] = [e for e in timeline if e.action == "notice.recorded" and e.role == "dpo"]
    assert notice.summary["kind"] == "action_taken"
    assert "request.transitioned" in [e.action for e in timeline if e.role == "dpo"]
    assert "notice.mailed" in [e.action for e in timeline]
    assert "newsletter" not in str([e.summary for e in timeline])


def test_a_page_that_has_nothing_to_answer_in_words_has_no_answer_form(desk: Desk) -> None:
    access = desk.world.request_for(ANNA, high=False)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    assert "Answer in words" not in dana.get(f"/console/requests/{access}").text
    page = dana.get(f"/console/requests/{access}").text
    wrong = dana.post(f"/console/requests/{access}/answer",
                      data={"csrf": form_token(page), "text": ANSWER})  # fmt: skip
    assert "answered with its package" in wrong.text


def test_a_ccpa_request_to_know_verified_for_the_categories_only_is_answered_here(
    desk: Desk,
) -> None:
    """§7062(b), §7024(c): two data points and no declaration: the DPO tells the categories."""
    from rightful.domain.identities import Identity, IdentityType
    from rightful.domain.verification import Factor
    from rightful.services.identity_set import Proof, record_proof

    def know(*proofs: tuple[IdentityType, str, Factor]) -> str:
        new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL)
        rid: str = desk.c.requests.submit(new, Principal("public", None)).id
        with desk.c.store.transaction() as session:
            for n, (kind, value, factor) in enumerate(proofs):
                proof = Proof(Identity(kind, value), factor, f"t-{n}", desk.c.clock.now())
                record_proof(session, desk.c.audit, rid, proof, Principal("public", None))
        assert desk.c.subjects.settle(rid).outcome == "bound"
        return rid

    mail = (IdentityType.EMAIL, ANNA_MAIL, Factor.EMAIL_CODE)
    customer = (IdentityType.CUSTOMER_ID, str(ANNA), Factor.STAFF_CHECK)
    two, one = know(mail, customer), know(mail)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    assert "Answer in words" not in dana.get(f"/console/requests/{one}").text
    page = dana.get(f"/console/requests/{two}").text
    assert "Package waits" in page and "Answer in words" in page
    categories = "We hold these categories about you: contact details and orders."
    done = dana.post(f"/console/requests/{two}/answer",
                     data={"csrf": form_token(page), "text": categories})  # fmt: skip
    assert "Answered; the request is closed" in done.text
    assert desk.c.requests.get(two).status == Status.CLOSED
