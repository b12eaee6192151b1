"""CCPA requests to delete (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7061(b), §7062(d)): one
e-mail code no longer deletes a consumer's data. An account holder re-authenticates; anyone else
matches two data points, three for sensitive data (the Hearthly estate holds voice recordings).
Until then the request stays verified, staff cannot record it as done, the requester reads what
is missing and may add it by a step-up, and at day 45 it is denied (§7021), with the offer to opt
out of sale or sharing where the business sells or shares (§7062(f)). GDPR and UK GDPR erasure
and CCPA opt-out and limit are unchanged."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.datamap import DataCollection, Disclosure, Recipient
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.erasure import erasure_outcome
from rightful.domain.errors import ConflictError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.deletions import DeletionProof
from rightful.services.identity_set import Proof, record_proof

from .conftest import ANNA, ANNA_MAIL, Desk, make_desk
from .test_portal import submit

PUBLIC = Principal("public", None)
DPO = Principal("cli:dora", Role.DPO)
EMAIL = (Identity(IdentityType.EMAIL, ANNA_MAIL), Factor.EMAIL_CODE)
PHONE = (Identity(IdentityType.PHONE, "+4915123456789"), Factor.SMS_CODE)
CUSTOMER = (Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.STAFF_CHECK)
ACCOUNT = (Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.ACCOUNT_ASSERTION)
DONE = "We deleted your account, your orders and your voice recordings."
# The customer number is the account the shop's sign-in names: every Hearthly customer has one.
ACCOUNTS = {
    "account_assertion_issuer": "https://shop.example",
    "account_assertion_secret": "s" * 32,
    "account_assertion_identity": "customer_id",
}


def asked(desk: Desk, kind: RequestType = RequestType.ERASURE,
          law: Jurisdiction = Jurisdiction.CCPA, language: str = "en") -> str:  # fmt: skip
    new = NewRequest(kind, law, email=ANNA_MAIL, language=language)
    rid: str = desk.c.requests.submit(new, PUBLIC).id
    return rid


def prove(desk: Desk, rid: str, *proofs: tuple[Identity, Factor]) -> None:
    with desk.c.store.transaction() as session:
        for identity, factor in proofs:
            proof = Proof(identity, factor, f"t-{factor}-{identity.type}", desk.c.clock.now())
            record_proof(session, desk.c.audit, rid, proof, PUBLIC)
    assert desk.c.subjects.settle(rid).outcome == "bound"


def deletion(desk: Desk, *proofs: tuple[Identity, Factor], language: str = "en") -> str:
    rid = asked(desk, language=language)
    prove(desk, rid, *proofs)
    return rid


def test_one_e_mail_code_no_longer_deletes_sensitive_data(desk: Desk) -> None:
    """§7062(d): the estate holds voice recordings, so a reasonably high degree: 3 data points."""
    rid = deletion(desk, EMAIL)
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    with pytest.raises(ConflictError, match=r"3 matching data points are verified \(1 so far\)"):
        desk.c.requests.answer(rid, DONE, DPO)
    staff = desk.c.declarations.waiting_for(rid)
    assert staff is not None and "§7062(d)" in staff
    assert desk.c.verification.progress(rid).waiting_for == staff  # the request is in English

    prove(desk, rid, PHONE)
    with pytest.raises(ConflictError, match=r"\(2 so far\)"):
        desk.c.requests.answer(rid, DONE, DPO)
    prove(desk, rid, CUSTOMER)  # staff read the customer number back on a call
    assert desk.c.declarations.waiting_for(rid) is None
    assert desk.c.requests.answer(rid, DONE, DPO).status == Status.CLOSED


def test_data_that_is_not_sensitive_needs_two_data_points(tmp_path: Path) -> None:
    """§7062(d): a reasonable degree of certainty: two data points, no declaration."""
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path)
    desk.c.deletions = DeletionProof(lambda subject: False, lambda: False)  # type: ignore[misc]
    rid = deletion(desk, EMAIL)
    with pytest.raises(ConflictError, match=r"2 matching data points are verified \(1 so far\)"):
        desk.c.requests.answer(rid, DONE, DPO)
    prove(desk, rid, PHONE)
    assert desk.c.requests.answer(rid, DONE, DPO).status == Status.CLOSED


def test_an_account_holder_re_authenticates_whatever_else_they_prove(tmp_path: Path) -> None:
    """§7061(b): 'shall require a consumer to re-authenticate themselves before ... deleting'."""
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, **ACCOUNTS)
    rid = deletion(desk, EMAIL, PHONE, CUSTOMER)
    waiting = desk.c.declarations.waiting_for(rid)
    assert waiting is not None and "signed in with their account" in waiting
    assert "§7061(b)" in waiting
    with pytest.raises(ConflictError, match=r"§7061\(b\)"):
        desk.c.requests.answer(rid, DONE, DPO)
    assert Factor.ACCOUNT_ASSERTION in desk.c.verification.progress(rid).step_up_options
    prove(desk, rid, ACCOUNT)
    assert desk.c.requests.answer(rid, DONE, DPO).status == Status.CLOSED


def test_without_an_account_sign_in_here_nobody_is_asked_to_sign_in(desk: Desk) -> None:
    """No assertion issuer: nobody can re-authenticate here, so everyone matches data points."""
    rid = deletion(desk, EMAIL, PHONE, CUSTOMER)
    assert desk.c.declarations.waiting_for(rid) is None


def test_a_deletion_unverifiable_by_day_45_is_denied_with_the_deletion_notice(
    desk: Desk,
) -> None:
    """§7021: the 45 days run from receipt whether or not verification is finished; a deletion
    short of its proof is denied then, and the notice says nothing was deleted (no categories:
    the fallback of §7024(c) is for requests to know)."""
    short = deletion(desk, EMAIL)
    enough = deletion(desk, EMAIL, PHONE, CUSTOMER)
    received = desk.c.requests.get(short).received_at
    assert desk.c.requests.get(short).respond_by - received <= timedelta(days=46)
    desk.world.clock.advance(timedelta(days=44))
    assert desk.c.requests.close_unverified_at_deadline() == [], "the 45 days are not over"
    desk.world.clock.advance(timedelta(days=1))
    assert desk.c.requests.close_unverified_at_deadline() == [short]
    assert desk.c.requests.get(short).status == Status.EXPIRED
    assert desk.c.requests.get(enough).status == Status.VERIFIED, "verified enough: answered"
    told = [m for m in desk.mailer.to(ANNA_MAIL) if short[:8] in m.subject][-1].text
    assert "without deleting any personal information" in told
    assert "§7024(e)" not in told and "Categories of personal information" not in told


def test_a_dpo_may_deny_a_deletion_short_of_its_proof_but_not_one_with_it(desk: Desk) -> None:
    short, enough = deletion(desk, EMAIL), deletion(desk, EMAIL, PHONE, CUSTOMER)
    desk.c.requests.move(short, Status.EXPIRED, DPO, "not verified by the deadline")
    assert desk.c.requests.get(short).status == Status.EXPIRED
    with pytest.raises(ConflictError, match="it is answered, not expired"):
        desk.c.requests.move(enough, Status.EXPIRED, DPO, "not verified by the deadline")


@pytest.mark.parametrize("law", [Jurisdiction.GDPR, Jurisdiction.UK_GDPR])
def test_gdpr_erasure_is_unchanged(desk: Desk, law: Jurisdiction) -> None:
    rid = asked(desk, law=law)
    prove(desk, rid, EMAIL)
    assert desk.c.declarations.waiting_for(rid) is None
    assert desk.c.verification.progress(rid).waiting_for is None
    outcome = erasure_outcome("a", ["user.contact"], [], 0, desk.c.datamap)
    assert desk.c.requests.record_erasure(rid, outcome, DPO).status == Status.CLOSED


@pytest.mark.parametrize("kind", [RequestType.OBJECTION, RequestType.RESTRICTION])
def test_ccpa_opt_out_and_limit_are_unchanged(desk: Desk, kind: RequestType) -> None:
    """§7026(c), §7027: answered without any verification."""
    rid = asked(desk, kind)
    assert desk.c.declarations.waiting_for(rid) is None
    assert desk.c.requests.answer(rid, "We stopped selling and sharing it.", DPO).status == "closed"


# --- what the requester and staff see -----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "more", "promise"),
    [
        ("en", "we may ask for further proof that the request is yours", "we act on it, and"),
        ("de", "können wir weitere Nachweise verlangen", "handeln wir, und"),
    ],
)
def test_the_first_mail_of_a_ccpa_deletion_says_more_proof_may_be_asked(
    desk: Desk, language: str, more: str, promise: str
) -> None:
    """§7061(b), §7062(d): confirming the code may not be enough, so the mail does not promise
    that it sets the deletion going; a GDPR erasure's mail still does."""
    submit(desk, type="erasure", jurisdiction="ccpa", language=language)
    ccpa = desk.mailer.to(ANNA_MAIL)[-1].text
    assert more in ccpa and promise not in ccpa
    submit(desk, type="erasure", jurisdiction="gdpr", language=language)
    gdpr = desk.mailer.to(ANNA_MAIL)[-1].text
    assert promise in gdpr and more not in gdpr


def test_the_requester_reads_what_is_missing_and_adds_a_data_point_by_step_up(
    desk: Desk,
) -> None:
    rid = submit(desk, type="erasure", jurisdiction="ccpa")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Before we delete your data" in page.text
    assert "3 matching data points are verified (1 so far)" in page.text
    assert "You are verified, but we cannot answer yet" in page.text
    assert "preparing the answer" not in page.text, "nothing is prepared while it waits"
    assert "Our team now carries out your request" not in page.text, "it waits"
    assert "please confirm one more detail we hold for you" in page.text
    desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
    code = re.search(r"(\d{6})", desk.c.sms_sender.recent()[-1].text)
    assert code is not None
    after = desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    assert "(2 so far)" in after.text
    assert "Reply to our message and we will check one with you" in after.text, "no step-up left"


def test_a_german_requester_reads_it_in_german(desk: Desk) -> None:
    rid = submit(desk, type="erasure", jurisdiction="ccpa", language="de")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Bevor wir Ihre Daten löschen" in page.text
    assert "aber wir können noch nicht antworten" in page.text
    assert "Wir bereiten die Antwort" not in page.text
    assert "3 übereinstimmende Angaben bestätigt sind (1 bisher)" in page.text
    assert "matching data points" not in page.text


def test_the_mails_link_page_says_the_deletion_waits_not_that_it_is_being_prepared(
    desk: Desk,
) -> None:
    submit(desk, type="erasure", jurisdiction="ccpa", language="de")
    token = re.search(r"token=(\S+)", desk.mailer.to(ANNA_MAIL)[-1].text)
    assert token is not None
    page = desk.client.post("/verify/link", data={"token": token.group(1), "lang": "de"})
    assert page.status_code == 200, page.text
    assert "aber wir können noch nicht antworten" in page.text
    assert "Wir bereiten die Antwort" not in page.text


def test_the_api_tells_the_requester_and_staff(desk: Desk) -> None:
    from fastapi.testclient import TestClient

    from rightful.entrypoints.api.app import create_app
    from rightful.services import staff

    rid = deletion(desk, EMAIL)
    with desk.c.store.transaction() as session:
        key = staff.issue_key(session, desk.c.clock, name="dora", role="dpo").secret
    client = TestClient(create_app(desk.c))
    shown = client.get(f"/api/v1/verification/{rid}", headers={"X-API-Key": key}).json()
    assert "§7062(d)" in shown["waiting_for"] and shown["step_up_options"]
    assert shown["message"].startswith("You are verified, but we cannot answer yet")
    assert "waiting_for" in shown["message"] and "preparing" not in shown["message"]
    staff = client.get(f"/api/v1/requests/{rid}", headers={"X-API-Key": key}).json()
    assert "§7062(d)" in staff["waiting_for"]
    refused = client.post(f"/api/v1/requests/{rid}/answer", headers={"X-API-Key": key},
                          json={"text": DONE})  # fmt: skip
    assert refused.status_code == 409 and "(1 so far)" in refused.text


def test_requests_show_says_why_the_deletion_waits(desk: Desk) -> None:
    from rightful.entrypoints.cli.main import app

    rid = deletion(desk, EMAIL)
    set_container(desk.c)
    try:
        shown = CliRunner().invoke(app, ["requests", "show", rid])
        as_json = CliRunner().invoke(app, ["requests", "show", rid, "--json"])
        verify = CliRunner().invoke(app, ["verify", "status", rid])
        verify_json = CliRunner().invoke(app, ["verify", "status", rid, "--json"])
    finally:
        set_container(None)
    assert "bound" in verify.output and "waiting for: we delete the personal" in verify.output
    assert "(1 so far)" in json.loads(verify_json.output)["waiting_for"]
    assert shown.exit_code == 0, shown.output
    assert "deletion waits: we delete the personal information only once 3" in shown.output
    assert "(1 so far)" in json.loads(as_json.output)["waiting_for"]


def test_the_console_shows_why_the_deletion_waits_and_refuses_the_answer(desk: Desk) -> None:
    from .test_console import add, form_token, sign_in

    rid = deletion(desk, EMAIL)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    assert "<dt>Deletion waits</dt>" in page and "(1 so far)" in page
    refused = dana.post(f"/console/requests/{rid}/answer",
                        data={"csrf": form_token(page), "text": DONE})  # fmt: skip
    assert "may not be deleted yet" in refused.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED


def test_the_requester_of_a_refused_deletion_is_told_it_was_refused_and_where_to_look(
    desk: Desk,
) -> None:
    """A refusal says so and where its reasons are (REQUIREMENTS.md:7), never that an answer is
    being prepared."""
    from fastapi.testclient import TestClient

    from rightful.entrypoints.api.app import create_app
    from rightful.services import staff

    rid = deletion(desk, EMAIL)
    desk.c.requests.refuse(rid, DPO, ["We could not verify that the request is yours."])
    with desk.c.store.transaction() as session:
        key = staff.issue_key(session, desk.c.clock, name="dora", role="dpo").secret
    client = TestClient(create_app(desk.c))
    shown = client.get(f"/api/v1/verification/{rid}", headers={"X-API-Key": key}).json()
    assert shown["status"] == "rejected"
    assert shown["message"] == (
        "We refused this request: the page of your request in our portal gives the reasons."
    )


# --- §7062(f): a business that sells or shares offers the opt-out with the denial ---------------


def sells_to_an_ad_network(desk: Desk, kind: Disclosure = Disclosure.SALE) -> None:
    """The Hearthly map, its orders also going to an ad network as `kind`."""
    ads = Recipient("Ad network (Adly Inc.)", "US", disclosure=frozenset({kind}))

    def more(coll: DataCollection) -> DataCollection:
        if coll.name != "orders":
            return coll
        info = replace(coll.info, recipients=(*(coll.info.recipients or ()), ads))
        return replace(coll, info=info)

    datamap = desk.c.datamap
    datasets = tuple(replace(d, collections=tuple(map(more, d.collections)))
                     for d in datamap.datasets)  # fmt: skip
    desk.c.datamap = replace(datamap, datasets=datasets)


def denial_told(desk: Desk, rid: str) -> str:
    text: str = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text
    return text


def signed_in_again(desk: Desk, rid: str) -> str:
    """The status page, after the requester signs in again by a mailed code: 45 days on, the
    browser's sign-in has long ended."""
    desk.post(f"/portal/requests/{rid}/sign-in")
    desk.post(f"/portal/requests/{rid}/sign-in/code", code=desk.code_for(ANNA_MAIL))
    return desk.client.get(f"/portal/requests/{rid}").text


def day_45(desk: Desk) -> list[str]:
    desk.world.clock.advance(timedelta(days=45))
    closed: list[str] = desk.c.requests.close_unverified_at_deadline()
    return closed


@pytest.mark.parametrize("kind", [Disclosure.SALE, Disclosure.SHARING])
def test_a_seller_denying_a_deletion_at_day_45_asks_whether_to_opt_out_and_links_the_form(
    desk: Desk, kind: Disclosure
) -> None:
    """§7062(f) (REQUIREMENTS.md:15): the business that sells or shares and denies an
    unverifiable deletion asks whether the consumer would like to opt out, and says how: the
    portal's form with a CCPA opt-out chosen, which asks no proof (§7026(c))."""
    sells_to_an_ad_network(desk, kind)
    rid = deletion(desk, EMAIL)
    assert day_45(desk) == [rid]
    told = denial_told(desk, rid)
    assert "without deleting any personal information" in told
    assert "Would you like to opt out of the sale or sharing of your personal information?" in told
    form = f"{desk.c.settings.public_base_url}/portal/new?type=opt_out&jurisdiction=ccpa&lang=en"
    assert form in told
    assert "Do Not Sell" not in told, "no notice of the right to opt out is configured"
    page = desk.client.get(form.removeprefix(desk.c.settings.public_base_url))
    assert '<option value="objection" selected>' in page.text
    assert '<option value="ccpa" selected>' in page.text


def test_the_dpo_s_denial_offers_it_too_in_german_with_the_business_notice(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path,
                     ccpa_opt_out_notice_url="https://shop.example/do-not-sell")  # fmt: skip
    sells_to_an_ad_network(desk)
    rid = deletion(desk, EMAIL, language="de")
    desk.c.requests.move(rid, Status.EXPIRED, DPO, "not verified")
    told = denial_told(desk, rid)
    assert "Möchten Sie dem Verkauf oder der Weitergabe Ihrer personenbezogenen" in told
    assert "/portal/new?type=opt_out&jurisdiction=ccpa&lang=de" in told
    assert "Opt-out (Do Not Sell or Share My Personal Information): https://shop.example/do-" in (
        told
    )
    desk.c.store.engine.dispose()


def test_a_business_that_declares_no_sale_or_sharing_offers_nothing(desk: Desk) -> None:
    """Hearthly's recipients are all service providers (`business_purpose`)."""
    assert not desk.c.datamap.sells_or_shares
    rid = deletion(desk, EMAIL)
    assert day_45(desk) == [rid]
    assert "opt out" not in denial_told(desk, rid)


def test_only_a_denied_deletion_offers_it(desk: Desk) -> None:
    """A request to know denied unverified gets the general practices (§7024(e)), not the
    offer of §7062(f), which is about requests to delete."""
    sells_to_an_ad_network(desk)
    rid = asked(desk, RequestType.ACCESS)
    prove(desk, rid, EMAIL)  # one data point: not verified even for the categories
    assert day_45(desk) == [rid]
    assert "opt out" not in denial_told(desk, rid)


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Would you like to opt out of the sale or sharing of your personal information?"),
        ("de", "Möchten Sie dem Verkauf oder der Weitergabe Ihrer personenbezogenen"),
    ],
)
def test_the_status_page_of_the_denied_deletion_offers_the_opt_out_too(
    tmp_path: Path, language: str, question: str
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path,
                     ccpa_opt_out_notice_url="https://shop.example/do-not-sell")  # fmt: skip
    sells_to_an_ad_network(desk)
    rid = submit(desk, type="erasure", jurisdiction="ccpa", language=language)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert question not in desk.client.get(f"/portal/requests/{rid}").text, "not denied yet"
    assert day_45(desk) == [rid]
    page = signed_in_again(desk, rid)
    assert question in page
    assert f'href="{desk.c.settings.public_base_url}/portal/new?type=opt_out&amp;' in page
    assert 'href="https://shop.example/do-not-sell"' in page
    desk.c.store.engine.dispose()


def test_a_status_page_of_a_business_that_does_not_sell_offers_no_opt_out(desk: Desk) -> None:
    rid = submit(desk, type="erasure", jurisdiction="ccpa")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert day_45(desk) == [rid]
    page = signed_in_again(desk, rid)
    assert "opt out" not in page
    # confirmed by its code, short of further proof: it did not expire "before it was confirmed"
    assert "before it was confirmed" not in page
    assert "not verified in time: we could not be sure enough that it came from you" in page
