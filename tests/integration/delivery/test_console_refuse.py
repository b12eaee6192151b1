"""The console's refusal (`rightful requests refuse` on the request's page): DPO only, the
service's rules for the reasons, the same state, audit and notice as the CLI and the API; the
page then shows the reasons, whether the requester's identity could not be verified
(REQUIREMENTS.md:6, Art. 12(4)) and the ground of a refusal as manifestly unfounded or excessive
(REQUIREMENTS.md:8, Art. 12(5)). A refusal the service turns down comes back on the page with
what the DPO typed, never carried in the address."""

from __future__ import annotations

import html
from datetime import timedelta

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
REPEATS = "The fourth identical access request this month; each was answered in full within days."
GROUND = "Refused as manifestly unfounded or excessive (Article 12(5) GDPR)"
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


def test_a_dpo_refuses_as_manifestly_excessive_and_the_page_shows_the_ground(desk: Desk) -> None:
    """The console does what `requests refuse --manifestly excessive` does: the ground, the
    count of the requester's requests in the year before, the notice naming Art. 12(5)."""
    awaiting_identity(desk)
    desk.world.clock.advance(timedelta(days=20))
    awaiting_identity(desk)
    desk.world.clock.advance(timedelta(days=20))
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    assert GROUND in page and "at least 50 characters" in page
    done = dana.post(f"/console/requests/{rid}/refuse",
                     data={"csrf": form_token(page), "reasons": REPEATS,
                           "manifestly": "excessive"})  # fmt: skip
    assert done.status_code == 200
    assert "Refused; the requester was told the reasons" in done.text
    assert (
        "<dt>Refused</dt><dd><strong>as manifestly excessive</strong>, 2 other requests "
        f"from the same requester in the year before, because: {REPEATS}</dd>"
    ) in done.text
    [entry] = [e for e in desk.c.audit.timeline(rid) if e.action == "request.refused_manifestly"]
    assert entry.summary["ground"] == "excessive" and entry.summary["earlier_requests"] == 2
    assert entry.role == "dpo" and entry.actor.startswith("staff:")
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text
    assert "manifestly excessive (Article 12(5) GDPR)" in told and REPEATS in told


def test_the_form_names_the_provision_of_the_request_s_own_law(desk: Desk) -> None:
    """A CCPA request is refused as manifestly unfounded or excessive under the CCPA's own
    provision, as its notice says, not under the GDPR's."""
    new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL)
    rid = desk.c.requests.submit(new, Principal("public", None)).id
    _, page = on_its_page(desk, rid, "dana", Role.DPO)
    assert "manifestly unfounded or excessive (Cal. Civ. Code §1798.145(h)(3))" in page
    assert "12(5)" not in page


def test_a_manifestly_unfounded_refusal_is_shown_as_such(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    done = dana.post(f"/console/requests/{rid}/refuse",
                     data={"csrf": form_token(page), "reasons": REPEATS,
                           "manifestly": "unfounded"})  # fmt: skip
    assert "<strong>as manifestly unfounded</strong>, 0 other requests" in done.text
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text
    assert "manifestly unfounded (Article 12(5) GDPR)" in told


def test_a_justification_too_short_comes_back_with_what_was_typed(desk: Desk) -> None:
    """The service's rule (50 characters) says what to fix, on the form as it was sent: the
    reasons, the ground and the tick are still there, and nothing of it went into a URL."""
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    short = "Asked again.\nAnd again."
    back = dana.post(f"/console/requests/{rid}/refuse", follow_redirects=False,
                     data={"csrf": form_token(page), "reasons": short, "manifestly": "excessive",
                           "unverified": "yes"})  # fmt: skip
    assert back.status_code == 422, "shown again at once, not redirected"
    text = html.unescape(back.text)
    assert "needs a justification of at least 50 characters in its reasons" in text
    assert f'name="reasons" required maxlength="2000">{short}</textarea>' in text
    assert '<option value="excessive" selected>manifestly excessive</option>' in text
    assert 'name="unverified" type="checkbox" value="yes" checked>' in text
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION
    assert all(n.kind != "refusal" for n in desk.c.requests.notices(rid))
    again = dana.get(f"/console/requests/{rid}").text
    assert "Asked again." not in again, "a fresh visit shows an empty form"


def test_a_ground_art_12_5_does_not_know_is_refused(desk: Desk) -> None:
    rid = awaiting_identity(desk)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    odd = dana.post(f"/console/requests/{rid}/refuse",
                    data={"csrf": form_token(page), "reasons": REPEATS,
                          "manifestly": "vexatious"})  # fmt: skip
    assert odd.status_code == 422
    assert "Art. 12(5) knows two grounds, unfounded or excessive" in html.unescape(odd.text)
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION
