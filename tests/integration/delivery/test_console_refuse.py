"""The console's refusal (`rightful requests refuse` on the request's page): DPO only, the
service's rules for the reasons, the same state, audit and notice as the CLI and the API; the
page then shows the reasons and whether the requester's identity could not be verified
(REQUIREMENTS.md:6, Art. 12(4))."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk
from .test_console import add, form_token, sign_in

SYSTEM = Principal("system", None)
WHY = "We could not verify that the request is yours."
FORM = "Refuse the request (Art. 12(4))"
UNVERIFIED = "Refused because the requester's identity could not be verified"


def awaiting_identity(desk: Desk) -> str:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    return rid


def on_its_page(desk: Desk, rid: str, name: str, role: Role) -> tuple[TestClient, str]:
    """A staff member holding `role`, signed in, and the request's page as they see it."""
    add(desk, name, role)
    client = sign_in(desk, name)
    return client, client.get(f"/console/requests/{rid}").text


def test_a_dpo_refuses_from_the_console_and_the_requester_is_told(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    assert FORM in page and UNVERIFIED in page
    done = dana.post(f"/console/requests/{rid}/refuse",
                     data={"csrf": form_token(page), "reasons": f"{WHY}\n\nNo reply to our code.",
                           "unverified": "yes"})  # fmt: skip
    assert "Refused; the requester was told the reasons" in done.text
    row = desk.c.requests.get(rid)
    assert row.status == Status.REJECTED and row.refused_unverified
    assert row.refusal_reasons == [WHY, "No reply to our code."]
    assert (f"as the identity could not be verified</strong>, because: {WHY}; No reply to our "
            "code.") in done.text  # fmt: skip
    assert FORM not in done.text, "a refused request offers no actions"
    [told] = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert WHY in told.text and "supervisory authority" in told.text
    timeline = desk.c.audit.timeline(rid)
    [notice] = [e for e in timeline if e.action == "notice.recorded" and e.role == "dpo"]
    assert notice.summary["kind"] == "refusal"
    assert {"request.transitioned", "request.refused_unverified"} <= {
        e.action for e in timeline if e.role == "dpo"
    }
    assert "notice.mailed" in [e.action for e in timeline]
    assert "verify" not in str([e.summary for e in timeline]), "reasons stay out of the chain"


def test_a_refusal_on_another_ground_is_shown_without_the_unverified_mark(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    reason = "We are not the business that holds this data."
    done = dana.post(f"/console/requests/{rid}/refuse",
                     data={"csrf": form_token(page), "reasons": reason})  # fmt: skip
    assert f"<dt>Refused</dt><dd>because: {reason}</dd>" in done.text
    assert not desk.c.requests.get(rid).refused_unverified


def test_an_agent_sees_no_refuse_form_and_cannot_refuse(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    andy, page = on_its_page(desk, rid, "andy", Role.AGENT)
    assert FORM not in page
    forged = andy.post(f"/console/requests/{rid}/refuse",
                       data={"csrf": form_token(page), "reasons": WHY})  # fmt: skip
    assert forged.status_code == 403 and "dpo" in forged.text
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION


def test_bad_input_says_what_to_fix_and_changes_nothing(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    blank = dana.post(f"/console/requests/{rid}/refuse",
                      data={"csrf": form_token(page), "reasons": " \n \n"})  # fmt: skip
    assert "a refusal needs at least one reason (Art. 12(4))" in blank.text
    odd = dana.post(f"/console/requests/{rid}/refuse",
                    data={"csrf": form_token(page), "reasons": WHY,
                          "unverified": "maybe"})  # fmt: skip
    assert "identity could not be verified: tick it or leave it empty" in odd.text
    forged = dana.post(f"/console/requests/{rid}/refuse",
                       data={"csrf": "not-the-token", "reasons": WHY})  # fmt: skip
    assert forged.status_code == 403
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION
    assert all(n.kind != "refusal" for n in desk.c.requests.notices(rid))


def test_a_verified_request_is_refused_without_the_unverified_choice(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    _, page = on_its_page(desk, rid, "dana", Role.DPO)
    assert FORM in page and UNVERIFIED not in page


def test_an_objection_to_direct_marketing_has_no_refuse_form(desk: Desk) -> None:
    """Art. 21(3): absolute; the service refuses to refuse it, the page offers no form."""
    new = NewRequest(RequestType.OBJECTION, Jurisdiction.GDPR, email=ANNA_MAIL,
                     direct_marketing=True)  # fmt: skip
    rid = desk.c.requests.submit(new, Principal("public", None)).id
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    assert FORM not in page
    refused = dana.post(f"/console/requests/{rid}/refuse",
                        data={"csrf": form_token(page), "reasons": WHY})  # fmt: skip
    assert "cannot be refused (Art. 21(3))" in refused.text
    assert desk.c.requests.get(rid).status == Status.RECEIVED
