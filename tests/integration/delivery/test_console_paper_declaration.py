"""The console's forms for CCPA declarations received on paper (REQUIREMENTS.md:15; §7062(c)):
an agent records one on the request's page, a reviewer other than the recorder approves it,
and only then does the package stop waiting for the declaration."""

from __future__ import annotations

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof

from .conftest import ANNA, ANNA_MAIL, Desk
from .test_console import add, form_token, sign_in

PUBLIC = Principal("public", None)
PROOFS = (
    (IdentityType.EMAIL, ANNA_MAIL, Factor.EMAIL_CODE),
    (IdentityType.PHONE, "+4915123456789", Factor.SMS_CODE),
    (IdentityType.CUSTOMER_ID, str(ANNA), Factor.STAFF_CHECK),
)


def three_points(desk: Desk) -> str:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, PUBLIC).id
    with desk.c.store.transaction() as session:
        for n, (kind, value, factor) in enumerate(PROOFS):
            proof = Proof(Identity(kind, value), factor, f"t-{n}", desk.c.clock.now())
            record_proof(session, desk.c.audit, rid, proof, PUBLIC)
    assert desk.c.subjects.settle(rid).outcome == "bound"
    return rid


def test_one_staff_member_records_a_paper_declaration_and_another_approves_it(
    desk: Desk,
) -> None:
    rid = three_points(desk)
    add(desk, "rita", Role.REVIEWER)
    add(desk, "ruth", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    page = rita.get(f"/console/requests/{rid}").text
    assert "Record a declaration under penalty of perjury received on paper" in page
    future = rita.post(f"/console/requests/{rid}/paper-declarations",
                       data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                             "signed_on": "2099-01-01"})  # fmt: skip
    assert "is in the future" in future.text
    done = rita.post(f"/console/requests/{rid}/paper-declarations",
                     data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                           "signed_on": "2026-03-01"})  # fmt: skip
    assert "Paper declaration 1 recorded" in done.text
    assert "paper declaration 1 awaits approval by a second staff member" in done.text
    assert "Approve declaration 1" not in done.text  # not offered to the recorder
    own = rita.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                    data={"csrf": form_token(done.text), "decision": "approve"})  # fmt: skip
    assert "second staff member" in own.text
    assert not desk.c.verification.progress(rid).declared

    ruth = sign_in(desk, "ruth")
    page = ruth.get(f"/console/requests/{rid}").text
    assert "Approve declaration 1" in page
    approved = ruth.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                         data={"csrf": form_token(page), "decision": "approve"})  # fmt: skip
    assert "Paper declaration 1 approved." in approved.text
    assert desk.c.verification.progress(rid).declared
    assert "Package waits" not in ruth.get(f"/console/requests/{rid}").text


def test_an_agent_records_but_does_not_approve(desk: Desk) -> None:
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    page = andy.get(f"/console/requests/{rid}").text
    andy.post(f"/console/requests/{rid}/paper-declarations",
              data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                    "signed_on": "2026-03-01"})  # fmt: skip
    page = andy.get(f"/console/requests/{rid}").text
    assert "Declaration 1 by Anna Schmidt" in page and "Approve declaration 1" not in page
    forged = andy.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                       data={"csrf": form_token(page), "decision": "approve"})  # fmt: skip
    assert forged.status_code == 403 and not desk.c.verification.progress(rid).declared
