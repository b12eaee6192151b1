"""On the portal, a CCPA requester to know sees why their answer waits and signs the declaration
under penalty of perjury with their typed full name (REQUIREMENTS.md:15, §7062(c))."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightful.domain.declarations import statement

from .conftest import ANNA, ANNA_MAIL, Desk, make_desk
from .test_accounts import ISSUER, SECRET, assertion
from .test_portal import submit


def test_a_ccpa_requester_signs_the_declaration_on_the_status_page(desk: Desk) -> None:
    rid = submit(desk, jurisdiction="ccpa")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Your signed declaration" in page.text and statement("en") in page.text
    assert "we wait" in page.text
    assert 'http-equiv="refresh"' not in page.text, "a form is never reloaded away"

    empty = desk.post(f"/portal/requests/{rid}/declaration", full_name=" ")
    assert empty.status_code == 422 and "full name" in empty.text

    signed = desk.post(f"/portal/requests/{rid}/declaration", full_name="Anna Schmidt")
    assert signed.status_code == 200 and "your declaration is recorded" in signed.text
    assert "You signed the declaration." in signed.text
    progress = desk.c.verification.progress(rid)
    assert progress.declared and progress.waiting_for is not None, "still one data point short"


def test_a_gdpr_requester_is_never_asked_to_declare(desk: Desk) -> None:
    rid = submit(desk)
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Your signed declaration" not in page.text
    refused = desk.post(f"/portal/requests/{rid}/declaration", full_name="Anna Schmidt")
    assert refused.status_code == 409


def test_a_german_requester_reads_what_is_missing_in_german(desk: Desk) -> None:
    rid = submit(desk, jurisdiction="ccpa", language="de")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert statement("de") in page.text
    assert "3 übereinstimmenden Angaben (1 bisher bestätigt)" in page.text
    assert "unter Strafandrohung wegen Meineids unterschriebenen Erklärung" in page.text
    assert "matching data points" not in page.text, "no English reason on a German page"
    assert "Antworten Sie auf unsere Nachricht" not in page.text, "a step-up by SMS is offered"
    assert "Meineids" in (desk.c.verification.progress(rid).waiting_for or "")


def test_a_requester_with_no_step_up_here_is_told_to_ask_us(tmp_path: Path) -> None:
    """Without SMS or account sign-in, a third data point comes only from a staff check."""
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, sms_backend="none")
    rid = submit(desk, jurisdiction="ccpa")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "(1 verified so far)" in page.text
    assert "Reply to our message and we will check one with you" in page.text


def test_a_package_built_before_the_declaration_was_asked_for_goes_no_further(
    desk: Desk,
) -> None:
    """An installation upgraded with a CCPA package in review, or approved, built on one e-mail
    code: the reviewer cannot approve it, nor a link send it, until §7062's proof is there."""
    from sqlalchemy import delete

    from rightful.adapters.db.verification import DeclarationRow
    from rightful.domain.deadlines import Jurisdiction
    from rightful.domain.errors import ConflictError
    from rightful.domain.identities import Identity, IdentityType
    from rightful.domain.intake import NewRequest
    from rightful.domain.requests import RequestType
    from rightful.domain.staff import Principal
    from rightful.domain.verification import Factor
    from rightful.services.identity_set import Proof, record_proof

    from .conftest import AGENT, ANNA, REVIEWER

    public = Principal("public", None)
    rid = desk.c.requests.submit(NewRequest(RequestType.ACCESS, Jurisdiction.CCPA,
                                            email=ANNA_MAIL), public).id  # fmt: skip
    proofs = [(IdentityType.EMAIL, ANNA_MAIL, Factor.EMAIL_CODE),
              (IdentityType.CUSTOMER_ID, str(ANNA), Factor.STAFF_CHECK),
              (IdentityType.PHONE, "+4915123456789", Factor.SMS_CODE)]  # fmt: skip
    with desk.c.store.transaction() as session:
        for n, (kind, value, factor) in enumerate(proofs):
            record_proof(session, desk.c.audit, rid,
                         Proof(Identity(kind, value), factor, f"t-{n}", desk.c.clock.now()),
                         public)  # fmt: skip
    assert desk.c.subjects.settle(rid).outcome == "bound"
    desk.c.declarations.sign(rid, "Anna Schmidt")
    package = desk.c.packages.build(rid, AGENT)

    def as_before_the_rule() -> None:
        with desk.c.store.transaction() as session:
            session.execute(delete(DeclarationRow).where(DeclarationRow.request_id == rid))

    as_before_the_rule()
    with pytest.raises(ConflictError, match=r"cannot be approved yet: .*penalty of perjury"):
        desk.c.package_review.approve(package.id, REVIEWER)
    desk.c.declarations.sign(rid, "Anna Schmidt")
    desk.c.package_review.approve(package.id, REVIEWER)
    as_before_the_rule()
    with pytest.raises(ConflictError, match="cannot go out yet"):
        desk.web.delivery.deliver(rid, package.id, REVIEWER)
    assert desk.c.requests.get(rid).status == "approved"


@pytest.mark.parametrize(
    ("language", "checking", "waiting"),
    [
        ("en", "a member of our team is checking it", "Until then we wait."),
        ("de", "eine Person aus unserem Team prüft sie", "Bis dahin warten wir."),
    ],
)
def test_a_requester_whose_paper_declaration_awaits_approval_reads_that_it_is_checked(
    desk: Desk, language: str, checking: str, waiting: str
) -> None:
    """A declaration sent on paper counts only once a second staff member approved it (§7062(c));
    meanwhile the portal says, in the requester's language, that it is being checked, instead of
    asking them to sign again."""
    from datetime import date

    from .conftest import AGENT

    rid = submit(desk, jurisdiction="ccpa", language=language)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    desk.c.paper_declarations.record(rid, "Anna Schmidt", date(2026, 3, 1), None, AGENT)
    page = desk.client.get(f"/portal/requests/{rid}").text
    assert checking in page and waiting not in page
    assert f'action="/portal/requests/{rid}/declaration"' not in page, "not asked to sign again"
    assert not desk.c.verification.progress(rid).declared


def test_a_name_that_cannot_sign_says_what_to_fix_in_german_too_and_is_kept(desk: Desk) -> None:
    desk.client.get("/portal/new?lang=de")  # the reader chose German
    rid = submit(desk, jurisdiction="ccpa", language="de")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    short = desk.post(f"/portal/requests/{rid}/declaration", full_name="A")
    assert short.status_code == 422
    assert "Geben Sie zum Unterschreiben Ihren vollständigen Namen ein (2 bis 200" in short.text
    assert "Bitte versuchen Sie es erneut" not in short.text
    assert 'id="f-full_name" name="full_name" type="text" value="A"' in short.text


def test_a_requester_who_closed_the_page_comes_back_by_the_reference_to_sign(desk: Desk) -> None:
    """A CCPA requester to know who confirmed, then closed the page before signing, comes back
    with the mail's 8-character reference, signs in with a code, and finds the declaration."""
    rid = submit(desk, jurisdiction="ccpa")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    desk.client = desk.another_browser()
    sign_in = desk.post("/portal/check", reference=rid[:8])
    assert str(sign_in.url).endswith(f"/portal/requests/{rid}/sign-in")
    desk.post(f"/portal/requests/{rid}/sign-in")
    page = desk.post(f"/portal/requests/{rid}/sign-in/code", code=desk.code_for(ANNA_MAIL))
    assert str(page.url).endswith(f"/portal/requests/{rid}")
    assert "Your signed declaration" in page.text and statement("en") in page.text
    signed = desk.post(f"/portal/requests/{rid}/declaration", full_name="Anna Schmidt")
    assert "You signed the declaration." in signed.text


def shop(data_dir: Path, identity: str = "customer_id") -> Desk:
    """Hearthly with its shop's sign-in here: every customer has a customer number, the account
    it names; none has an `account_id`, so with that identity nobody holds an account."""
    data_dir.mkdir()
    accounts = {"account_assertion_issuer": ISSUER, "account_assertion_secret": SECRET,
                "account_assertion_identity": identity}  # fmt: skip
    return make_desk(f"sqlite:///{data_dir}/r.db", data_dir, **accounts)


SIGN_IN = {
    "en": ("Sign in with your account", "A signed declaration does not replace the sign-in"),
    "de": ("Mit Ihrem Konto anmelden", "Eine unterschriebene Erklärung ersetzt die Anmeldung"),
}


def test_an_account_holder_is_asked_to_sign_in_with_the_account_not_to_declare(
    tmp_path: Path,
) -> None:
    """REQUIREMENTS.md:15, §7061(b): an account holder's data is disclosed only once they signed
    in with their account for the request, which a declaration does not replace; so the status
    page offers that sign-in (the path a CCPA deletion takes) instead of the declaration, and the
    sign-in hands the request on. A requester without an account keeps the declaration."""
    desk = shop(tmp_path / "holder")
    rid = submit(desk, jurisdiction="ccpa")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL)).text
    title, why = SIGN_IN["en"]
    assert title in page and why in page and "its specific pieces or its categories" in page
    assert "Before we gather your data, California law asks" in page, "not: about to gather"
    assert f'<a href="/portal/requests/{rid}/verify">Confirm with my account</a>' in page
    assert "Your signed declaration" not in page and statement("en") not in page
    assert f'action="/portal/requests/{rid}/declaration"' not in page
    assert "Before we delete your data" not in page and 'value="sms"' not in page
    assert desk.c.verification.progress(rid).declaration is None, "nor asked through the API"

    form = desk.client.get(f"/portal/requests/{rid}/verify").text
    assert f'action="/portal/requests/{rid}/account"' in form
    signed_in = desk.post(f"/portal/requests/{rid}/account", assertion=assertion(desk, ANNA))
    assert str(signed_in.url).endswith(f"/portal/requests/{rid}?outcome=bound")
    assert title not in signed_in.text
    assert desk.c.verification.progress(rid).waiting_for is None

    other = shop(tmp_path / "no-account", identity="account_id")
    rid = submit(other, jurisdiction="ccpa")
    page = other.post(f"/portal/requests/{rid}/verify", code=other.code_for(ANNA_MAIL)).text
    assert "Your signed declaration" in page and statement("en") in page and title not in page
    assert "Before we gather your data" in page and "We are about to gather" not in page


def test_a_german_account_holder_reads_it_in_german(tmp_path: Path) -> None:
    desk = shop(tmp_path / "holder")
    rid = submit(desk, jurisdiction="ccpa", language="de")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL)).text
    title, why = SIGN_IN["de"]
    assert title in page and why in page and "Mit meinem Konto bestätigen" in page
    assert "Bevor wir Ihre Daten zusammenstellen" in page
    assert "einzeln oder nach Kategorien" in page and "mit dem Konto angemeldet hat" in page
    assert statement("de") not in page and "Sign in with your account" not in page
