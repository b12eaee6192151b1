"""CCPA requests to know specific pieces (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7062):
an account holder re-authenticates; anyone else matches three data points and signs a
declaration under penalty of perjury. Until then no package is built, and the reason is shown to
staff and the requester. GDPR and UK GDPR requests are unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from rightful.adapters.sources.pool import SourcePool
from rightful.demo.schema import TABLES
from rightful.demo.story import hearthly
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.declarations import (
    DataPoint,
    categories_verified,
    disclosure_wait,
    signed_name,
    statement,
)
from rightful.domain.errors import ConflictError, InvalidInputError, SourceUnavailableError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.entrypoints.web.requester import REQUESTER
from rightful.services.identity_set import Proof, record_proof

from .world import AGENT, PUBLIC, REVIEWER, World, make_world

ANNA, ANNA_MAIL, ANNA_PHONE = 1, "anna.schmidt@example.com", "+4915123456789"
EMAIL = (Identity(IdentityType.EMAIL, ANNA_MAIL), Factor.EMAIL_CODE)
PHONE = (Identity(IdentityType.PHONE, ANNA_PHONE), Factor.SMS_CODE)
CUSTOMER = (Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.STAFF_CHECK)
ACCOUNT = (Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.ACCOUNT_ASSERTION)


def proven(world: World, law: Jurisdiction, *proofs: tuple[Identity, Factor]) -> str:
    """A request to know, verified and bound by these proofs."""
    new = NewRequest(RequestType.ACCESS, law, email=ANNA_MAIL)
    rid: str = world.c.requests.submit(new, PUBLIC).id
    with world.c.store.transaction() as session:
        for n, (identity, factor) in enumerate(proofs):
            proof = Proof(identity, factor, f"test-{n}", world.c.clock.now())
            record_proof(session, world.c.audit, rid, proof, PUBLIC)
    assert world.c.subjects.settle(rid).outcome == "bound"
    return rid


def test_three_data_points_of_different_types_and_a_declaration_are_needed() -> None:
    email, phone, customer = (DataPoint(i.type, f) for i, f in (EMAIL, PHONE, CUSTOMER))
    second_email = DataPoint(IdentityType.EMAIL, Factor.EMAIL_LINK)
    assert disclosure_wait([email, phone, customer], declared=True) is None
    short = disclosure_wait([email, second_email, phone], declared=True)
    assert short is not None and "(2 verified so far)" in short and "§7062(c)" in short
    unsigned = disclosure_wait([email, phone, customer], declared=False)
    assert unsigned is not None and "penalty of perjury" in unsigned
    assert disclosure_wait([DataPoint(IdentityType.CUSTOMER_ID, Factor.ACCOUNT_ASSERTION)],
                           declared=False) is None  # fmt: skip


def test_an_account_holder_is_disclosed_to_only_once_signed_in() -> None:
    """REQUIREMENTS.md:15, §7061(b): for an account holder the proof of anyone else is not
    enough; their sign-in for this request is."""
    email, phone, customer = (DataPoint(i.type, f) for i, f in (EMAIL, PHONE, CUSTOMER))
    waiting = disclosure_wait([email, phone, customer], declared=True, account_holder=True)
    assert waiting is not None and "§7061(b)" in waiting and "signed in" in waiting
    account = DataPoint(IdentityType.CUSTOMER_ID, Factor.ACCOUNT_ASSERTION)
    assert disclosure_wait([account], declared=False, account_holder=True) is None


def test_an_account_holder_is_verified_for_the_categories_only_once_signed_in() -> None:
    """REQUIREMENTS.md:15, §7061(b): the categories held about a consumer are their data too;
    two data points verify anyone else for them (§7062(b)), not an account holder."""
    email, phone = (DataPoint(i.type, f) for i, f in (EMAIL, PHONE))
    account = DataPoint(IdentityType.CUSTOMER_ID, Factor.ACCOUNT_ASSERTION)
    assert categories_verified([email, phone])
    assert not categories_verified([email, phone], account_holder=True)
    assert categories_verified([account], account_holder=True)


def test_the_signature_is_a_readable_full_name() -> None:
    assert signed_name("  Anna   Schmidt ") == "Anna Schmidt"
    for bad in ("", "A", "x" * 201, "Anna\x00"):
        with pytest.raises(InvalidInputError):
            signed_name(bad)
    assert "penalty of perjury" in statement("en") and "Meineid" in statement("de")
    assert statement("fr") == statement("en")


def test_no_package_until_three_data_points_and_a_signed_declaration(world: World) -> None:
    rid = proven(world, Jurisdiction.CCPA, EMAIL, PHONE)
    with pytest.raises(ConflictError, match=r"3 matching data points \(2 verified so far\)"):
        world.c.packages.build(rid, AGENT)
    shown = world.c.verification.progress(rid)
    assert shown.waiting_for is not None and "penalty of perjury" in shown.waiting_for
    assert shown.declaration == statement("en") and not shown.declared

    with world.c.store.transaction() as session:  # staff check the customer number by phone
        record_proof(session, world.c.audit, rid,
                     Proof(*CUSTOMER, "test-check", world.c.clock.now()), PUBLIC)  # fmt: skip
    world.c.subjects.settle(rid)
    with pytest.raises(ConflictError, match="penalty of perjury"):
        world.c.packages.build(rid, AGENT)

    declared = world.c.declarations.sign(rid, "Anna Schmidt")
    assert declared.waiting_for is None and world.c.verification.progress(rid).declared
    assert world.c.packages.build(rid, AGENT).status == "ready"
    [entry] = [e for e in world.c.audit.timeline(rid)
               if e.action == "verification.declaration_signed"]  # fmt: skip
    assert "Anna" not in str(entry.summary) and "Schmidt" not in str(entry.summary)
    assert len(entry.summary["statement_sha256"]) == 64


def test_a_signed_declaration_hands_a_ready_request_on_to_collection(world: World) -> None:
    started: list[str] = []
    world.c.declarations.on_ready = started.append
    rid = proven(world, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    assert world.status(rid) is Status.VERIFIED
    world.c.declarations.sign(rid, "Anna Schmidt")
    assert started == [rid]


def test_a_signed_in_account_holder_needs_neither(world: World) -> None:
    rid = proven(world, Jurisdiction.CCPA, ACCOUNT)
    assert world.c.verification.progress(rid).waiting_for is None
    assert world.c.packages.build(rid, AGENT).status == "ready"


@pytest.mark.parametrize("law", [Jurisdiction.GDPR, Jurisdiction.UK_GDPR])
def test_gdpr_requests_are_unchanged(world: World, law: Jurisdiction) -> None:
    rid = proven(world, law, EMAIL)
    shown = world.c.verification.progress(rid)
    assert shown.waiting_for is None and shown.declaration is None
    assert world.c.packages.build(rid, AGENT).status == "ready"
    with pytest.raises(ConflictError, match="only a CCPA request to know"):
        world.c.declarations.sign(rid, "Anna Schmidt")


def test_the_api_shows_the_statement_and_takes_the_signature(world: World) -> None:
    from fastapi.testclient import TestClient

    from rightful.entrypoints.api.app import create_app

    client = TestClient(create_app(world.c))
    rid = proven(world, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    stranger = client.post(f"/api/v1/verification/{rid}/declaration",
                           json={"full_name": "Anna Schmidt"})  # fmt: skip
    assert stranger.status_code == 401 and not world.c.verification.progress(rid).declared
    client.cookies.set(REQUESTER, requester_cookie(world, rid))  # as a confirmed code sets it
    before = client.get(f"/api/v1/verification/{rid}").json()
    assert before["declaration"] == statement("en") and before["declared"] is False
    assert "penalty of perjury" in before["waiting_for"]
    assert "cannot answer yet" in before["message"] and "preparing" not in before["message"]
    bad = client.post(f"/api/v1/verification/{rid}/declaration", json={"full_name": " "})
    assert bad.status_code == 422
    after = client.post(f"/api/v1/verification/{rid}/declaration",
                        json={"full_name": "Anna Schmidt"})  # fmt: skip
    assert after.status_code == 200, after.text
    assert after.json()["declared"] is True and after.json()["waiting_for"] is None
    assert after.json()["message"].startswith("You are verified. We are preparing the answer")


def requester_cookie(world: World, rid: str) -> str:
    from rightful.bootstrap_web import web_services
    from rightful.entrypoints.web.security import Signer

    return Signer(web_services(world.c).keys("cookie"), world.c.clock).sign(rid, 1800)


def test_staff_see_why_the_package_waits_in_the_cli_and_the_api_request_view(
    cli: World,
) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from rightful.entrypoints.api.app import create_app
    from rightful.entrypoints.cli.main import app

    rid = proven(cli, Jurisdiction.CCPA, EMAIL, PHONE)
    shown = CliRunner().invoke(app, ["requests", "show", rid])
    assert shown.exit_code == 0, shown.output
    assert "package waits: " in shown.output and "(2 verified so far)" in shown.output
    as_json = json.loads(CliRunner().invoke(app, ["requests", "show", rid, "--json"]).output)
    assert "penalty of perjury" in as_json["waiting_for"]

    from rightful.services import staff

    with cli.c.store.transaction() as session:
        key = staff.issue_key(session, cli.clock, name="ada", role="agent").secret
    view = TestClient(create_app(cli.c)).get(f"/api/v1/requests/{rid}", headers={"X-API-Key": key})
    assert view.status_code == 200 and "(2 verified so far)" in view.json()["waiting_for"]

    gdpr = proven(cli, Jurisdiction.GDPR, EMAIL)
    assert json.loads(CliRunner().invoke(app, ["requests", "show", gdpr, "--json"]).output)[
        "waiting_for"] is None  # fmt: skip


DPO = Principal(id="key:dpo1", role=Role.DPO)
CATEGORIES_ANSWER = "We hold these categories about you: contact details and orders."


def test_at_the_deadline_a_request_short_of_two_data_points_closes_with_general_practices(
    world: World,
) -> None:
    """§7024(c), (e): the specific pieces are denied, and so are the categories (§7062(b)):
    the request is not left verified and unanswered for ever."""
    rid = proven(world, Jurisdiction.CCPA, EMAIL)
    world.clock.advance(timedelta(days=44))
    assert world.c.requests.close_unverified_at_deadline() == []
    world.clock.advance(timedelta(days=2))
    assert world.c.requests.close_unverified_at_deadline() == [rid]
    assert world.status(rid) is Status.EXPIRED
    [told] = [n for n in world.c.requests.notices(rid) if n.kind == "expiry"]
    assert "without disclosing any personal information" in told.body


def test_two_data_points_are_answered_with_the_categories_in_words_never_expired(
    world: World,
) -> None:
    """§7062(b): two data points verify a request to know categories, with no declaration."""
    rid = proven(world, Jurisdiction.CCPA, EMAIL, PHONE)
    assert world.c.declarations.categories_only(rid)
    world.clock.advance(timedelta(days=46))
    assert world.c.requests.close_unverified_at_deadline() == []
    with pytest.raises(ConflictError, match="answered in words"):
        world.c.requests.move_by_hand(rid, Status.EXPIRED, DPO, "no declaration came")
    world.c.requests.answer(rid, CATEGORIES_ANSWER, DPO)
    assert world.status(rid) is Status.CLOSED
    assert world.c.verification.progress(rid).waiting_for is None, "it waits no longer"
    assert world.c.declarations.waiting_for(rid) is None
    [told] = [n for n in world.c.requests.notices(rid) if n.kind == "action_taken"]
    assert CATEGORIES_ANSWER in told.body


def test_only_a_request_verified_for_the_categories_alone_is_answered_in_words(
    world: World,
) -> None:
    one = proven(world, Jurisdiction.CCPA, EMAIL)
    gdpr = proven(world, Jurisdiction.GDPR, EMAIL, PHONE)
    full = proven(world, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    world.c.declarations.sign(full, "Anna Schmidt")
    for rid in (one, gdpr, full):
        assert not world.c.declarations.categories_only(rid)
        with pytest.raises(ConflictError, match="answered with its package"):
            world.c.requests.answer(rid, CATEGORIES_ANSWER, DPO)


def test_only_a_ccpa_request_short_of_the_categories_expires_once_verified(world: World) -> None:
    gdpr = proven(world, Jurisdiction.GDPR, EMAIL)
    with pytest.raises(ConflictError, match="it is answered, not expired"):
        world.c.requests.move_by_hand(gdpr, Status.EXPIRED, DPO, "tired of waiting")
    world.clock.advance(timedelta(days=60))
    assert world.c.requests.close_unverified_at_deadline() == []
    assert world.status(gdpr) is Status.VERIFIED
    one = proven(world, Jurisdiction.CCPA, EMAIL)  # by hand, with the daily closing switched off
    world.c.requests.move_by_hand(one, Status.EXPIRED, DPO, "unverified at the deadline")
    assert world.status(one) is Status.EXPIRED


# The customer number is the account the shop's sign-in names: every Hearthly customer has one.
ACCOUNTS = {
    "account_assertion_issuer": "https://shop.example",
    "account_assertion_secret": "s" * 32,
    "account_assertion_identity": "customer_id",
}
SIGN_IN = "only once they have signed in with their account for this request"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[World]:
    """Hearthly, whose customers may sign in here with their shop account."""
    w = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(), **ACCOUNTS)
    yield w
    w.c.store.engine.dispose()


def test_an_account_holder_signs_in_before_the_specific_pieces_are_disclosed(shop: World) -> None:
    """REQUIREMENTS.md:15 (CCPA: account holders re-authenticate before disclosure or deletion;
    Cal. Code Regs. tit. 11 §7061(b)): three data points and a declaration are what a consumer
    without an account proves; they do not replace an account holder's sign-in."""
    rid = proven(shop, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    declared = shop.c.declarations.sign(rid, "Anna Schmidt")
    assert declared.waiting_for is not None and SIGN_IN in declared.waiting_for
    with pytest.raises(ConflictError, match=r"§7061\(b\)"):
        shop.c.packages.build(rid, AGENT)
    staff = shop.c.declarations.waiting_for(rid)
    assert staff is not None and "§7061(b)" in staff
    shown = shop.c.verification.progress(rid)
    assert shown.waiting_for == staff and Factor.ACCOUNT_ASSERTION in shown.step_up_options
    assert not shop.c.declarations.categories_only(rid), "nor the categories (§7061(b))"

    with shop.c.store.transaction() as session:  # the requester signs in with the shop account
        record_proof(session, shop.c.audit, rid,
                     Proof(*ACCOUNT, "test-account", shop.c.clock.now()), PUBLIC)  # fmt: skip
    shop.c.subjects.settle(rid)
    assert shop.c.declarations.waiting_for(rid) is None
    assert shop.c.packages.build(rid, AGENT).status == "ready"


def test_the_german_requester_reads_that_they_sign_in(shop: World) -> None:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL, language="de")
    rid = shop.c.requests.submit(new, PUBLIC).id
    with shop.c.store.transaction() as session:
        record_proof(session, shop.c.audit, rid,
                     Proof(*EMAIL, "test-de", shop.c.clock.now()), PUBLIC)  # fmt: skip
    shop.c.subjects.settle(rid)
    waiting = shop.c.verification.progress(rid).waiting_for
    assert waiting is not None and "mit dem Konto angemeldet hat" in waiting


def test_a_package_built_before_the_sign_in_was_asked_for_goes_no_further(
    tmp_path: Path,
) -> None:
    """Built while nobody could sign in here; then the shop's sign-in is configured: the package
    in review is neither approved nor delivered until the account holder signs in (§7061(b))."""
    before = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly())
    rid = proven(before, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    before.c.declarations.sign(rid, "Anna Schmidt")
    package = before.c.packages.build(rid, AGENT)
    before.c.store.engine.dispose()
    after = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(), **ACCOUNTS)
    with pytest.raises(ConflictError, match=r"cannot be approved yet: .*§7061\(b\)"):
        after.c.package_review.approve(package.id, REVIEWER)
    after.c.store.engine.dispose()


def test_a_package_approved_before_the_sign_in_was_asked_for_does_not_go_out(
    tmp_path: Path,
) -> None:
    """The same for a package approved already: no link, no hand-over (§7061(b))."""
    from rightful.adapters.mail.memory import MemoryMailer
    from rightful.adapters.outbox import InlineOutbox
    from rightful.bootstrap_web import web_services
    from rightful.domain.delivery import HandOver

    before = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly())
    rid = proven(before, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    before.c.declarations.sign(rid, "Anna Schmidt")
    package = before.c.packages.build(rid, AGENT)
    before.c.package_review.approve(package.id, REVIEWER)
    before.c.store.engine.dispose()
    after = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(), **ACCOUNTS)
    mailer = MemoryMailer()
    after.c.mailer, after.c.outbox = mailer, InlineOutbox()
    delivery = web_services(after.c).delivery
    with pytest.raises(ConflictError, match=r"cannot go out yet: .*§7061\(b\)"):
        delivery.deliver(rid, package.id, REVIEWER)
    with pytest.raises(ConflictError, match=r"cannot go out yet: .*§7061\(b\)"):
        delivery.hand_over(rid, package.id, HandOver.POST, "sent by registered post", REVIEWER)
    assert after.status(rid) is Status.APPROVED and not mailer.outbox
    after.c.store.engine.dispose()


def test_while_the_account_check_cannot_be_read_nothing_is_disclosed(
    shop: World, tmp_path: Path
) -> None:
    """Whether the requester holds an account decides what they must prove: when the source
    that says so does not answer, no package is built on a guess; staff read which source, the
    requester only that we cannot tell now."""
    rid = proven(shop, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)
    shop.c.declarations.sign(rid, "Anna Schmidt")
    gone = f"sqlite:///{tmp_path}/gone/hearthly.db"
    shop.c.open_binding_sources = SourcePool({n: gone for n in TABLES}).borrowed  # type: ignore[method-assign]
    with pytest.raises(SourceUnavailableError):
        shop.c.packages.build(rid, AGENT)
    staff = shop.c.declarations.waiting_for(rid)
    assert staff is not None and "could not be read now (source " in staff
    told = shop.c.verification.progress(rid).waiting_for
    assert told is not None and told.startswith("we cannot tell right now")
    assert "source" not in told
    assert not shop.c.declarations.categories_only(rid)


def test_an_account_holder_is_not_told_the_categories_before_signing_in(
    shop: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:15 (account holders re-authenticate before disclosure; §7061(b)): a
    request to know asks for the categories too (Civ. Code §1798.110(a)), so two data points,
    which answer anyone else with them (§7062(b)), do not answer an account holder: staff cannot
    answer in words, and at the deadline the request closes unverified with the general
    practices (§7024(e)); not on a guess while the account check cannot be read."""
    rid = proven(shop, Jurisdiction.CCPA, EMAIL, PHONE)
    assert not shop.c.declarations.categories_only(rid)
    with pytest.raises(ConflictError, match=r"not be answered yet: .*categories.*§7061\(b\)"):
        shop.c.requests.answer(rid, CATEGORIES_ANSWER, DPO)
    by_hand = proven(shop, Jurisdiction.CCPA, EMAIL, PHONE)
    shop.c.requests.move_by_hand(by_hand, Status.EXPIRED, DPO, "did not sign in")

    shop.clock.advance(timedelta(days=46))
    gone = SourcePool({n: f"sqlite:///{tmp_path}/gone/hearthly.db" for n in TABLES}).borrowed
    monkeypatch.setattr(shop.c, "open_binding_sources", gone)
    assert shop.c.requests.close_unverified_at_deadline() == [], "nobody is denied on a guess"
    monkeypatch.undo()
    assert shop.c.requests.close_unverified_at_deadline() == [rid]
    [told] = [n for n in shop.c.requests.notices(rid) if n.kind == "expiry"]
    assert "without disclosing any personal information" in told.body
