"""Binding a request to exactly one subject, from verified identities only (REQUIREMENTS.md:14,
"Identity": identities nobody verified prove nothing and must not seed a search)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rightful.domain.errors import ConflictError, NotFoundError, PermissionDeniedError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.lifecycle import Status
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.subjects import StaffCheckMethod
from rightful.domain.verification import Assurance, Channel, Factor, WrongCodeError
from rightful.services.identity_set import Proof, record_proof
from rightful.services.request_queries import transitions

from . import estate
from .conftest import AGENT, PUBLIC, REVIEWER, World


def test_claimed_identities_never_seed_the_search(world: World) -> None:
    """Ben's phone and customer id typed into Anna's request change nothing."""
    rid = world.submit(claimed_identities=(("phone", estate.BEN_PHONE), ("customer_id", "2")))
    world.verify(rid)
    seed = world.c.subjects.seed(rid)
    assert seed.subject.value == 1
    assert {i.value for i in seed.identities} == {estate.ANNA}


def test_an_address_of_two_subjects_queues_them_side_by_side_and_binds_neither(
    world: World,
) -> None:
    rid = world.submit(estate.FAMILY)
    progress = world.verify(rid, estate.FAMILY)
    assert progress.outcome == "ambiguous"
    assert world.status(rid) is Status.AWAITING_VERIFICATION
    with pytest.raises(ConflictError, match="not bound"):
        world.c.subjects.seed(rid)
    review = world.c.subjects.review(rid)
    assert [c.subject.value for c in review.candidates] == [3, 4]
    assert all(
        c.matched_by == [{"type": "email", "masked": "f***@example.org"}] for c in review.candidates
    )
    [opened] = world.summaries(rid, "subject.review_opened")
    assert opened["candidates"] == 2


def test_staff_pick_binds_the_chosen_candidate_and_is_audited(world: World) -> None:
    rid = world.submit(estate.FAMILY)
    world.verify(rid, estate.FAMILY)
    review = world.c.subjects.review(rid)
    with pytest.raises(PermissionDeniedError):
        world.c.subjects.pick(rid, review.candidates[1].id, AGENT, "called back")
    settled = world.c.subjects.pick(rid, review.candidates[1].id, REVIEWER, "called back")
    assert settled.outcome == "bound"
    assert world.status(rid) is Status.VERIFIED
    assert world.c.subjects.seed(rid).subject.value == 4
    [picked] = world.summaries(rid, "subject.picked")
    assert picked["candidate_id"] == review.candidates[1].id
    assert picked["candidates"] == 2
    assert world.c.subjects.reviews() == []


def test_a_pick_is_rechecked_against_the_estate(world: World) -> None:
    """A candidate the verified identities no longer lead to cannot be chosen."""
    rid = world.submit(estate.FAMILY)
    world.verify(rid, estate.FAMILY)
    review = world.c.subjects.review(rid)
    world.c.sources["crm"] = estate.source(estate.PEOPLE[:3])  # type: ignore[attr-defined]
    with pytest.raises(ConflictError, match="no longer lead"):
        world.c.subjects.pick(rid, review.candidates[1].id, REVIEWER)
    with pytest.raises(NotFoundError):
        world.c.subjects.pick(rid, 10_000, REVIEWER)
    assert world.status(rid) is Status.AWAITING_VERIFICATION


def test_identities_that_lead_nowhere_close_the_request_as_no_data_found(world: World) -> None:
    rid = world.submit(estate.STRANGER, channel="staff")
    check = world.c.approvals.record_check(
        rid,
        StaffCheckMethod.CALLBACK_TO_PHONE_ON_FILE,
        [("email", estate.STRANGER)],
        "called the number on the letter",
        AGENT,
    )
    world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True)
    assert world.status(rid) is Status.CLOSED
    moves = [t.reason for t in transitions(world.c.store, rid)]
    assert moves[-1] == "no personal data found"
    [none_found] = world.summaries(rid, "subject.none_found")
    assert none_found["identities"] == 1


def test_assurance_follows_the_data_map_and_step_up_needs_an_independent_channel(
    world: World,
) -> None:
    """Health data needs the high level; an e-mail code alone reaches standard."""
    rid = world.submit(phone=estate.ANNA_PHONE)
    progress = world.verify(rid)
    assert (progress.assurance, progress.required) == (Assurance.STANDARD, Assurance.HIGH)
    assert progress.step_up_options == (Factor.SMS_CODE,)
    assert world.c.subjects.seed(rid).max_sensitivity is Sensitivity.STANDARD
    receipt = world.c.verification.step_up(rid, Channel.SMS)
    stepped = world.c.verification.submit_code(
        rid, receipt.challenge_id, world.code_for(estate.ANNA_PHONE)
    )
    assert stepped.assurance is Assurance.HIGH
    assert not stepped.step_up_offered
    seed = world.c.subjects.seed(rid)
    assert seed.max_sensitivity is Sensitivity.HIGH
    assert {i.value for i in seed.identities} == {estate.ANNA, estate.ANNA_PHONE}
    [changed] = world.summaries(rid, "subject.identity_set_changed")
    assert changed == {
        "from_version": 1,
        "to_version": 2,
        "leading_to_subject": 1,
        "not_leading": 0,
    }


def test_a_second_code_on_the_same_mailbox_is_no_step_up(world: World) -> None:
    rid = world.submit()
    world.verify(rid)
    world.clock.advance(timedelta(minutes=2))
    receipt = world.c.verification.step_up(rid, Channel.EMAIL)
    progress = world.c.verification.open_link(world.link_for(estate.ANNA))
    assert receipt.challenge_id
    assert progress.assurance is Assurance.STANDARD


def test_step_up_codes_go_only_to_details_of_the_bound_subject(world: World) -> None:
    """Ben's number is on file, but not for Anna: no SMS, and no way to raise Anna's level."""
    rid = world.submit()
    world.verify(rid)
    refused = world.c.verification.step_up(rid, Channel.SMS, estate.BEN_PHONE)
    assert all(m.to != estate.BEN_PHONE for m in world.sms.recent())
    with pytest.raises(WrongCodeError):
        world.c.verification.submit_code(rid, refused.challenge_id, "123456")
    sent = world.c.verification.step_up(rid, Channel.SMS, estate.ANNA_PHONE)
    assert (refused.message, refused.expires_at) == (sent.message, sent.expires_at)
    assert world.c.subjects.seed(rid).assurance is Assurance.STANDARD


def test_step_up_needs_a_verified_request_and_a_verified_one_is_sent_no_first_code(
    world: World,
) -> None:
    rid = world.submit()
    with pytest.raises(ConflictError, match="step-up needs"):
        world.c.verification.step_up(rid, Channel.EMAIL)
    world.verify(rid)
    sent = len(world.mailer.to(estate.ANNA))
    world.clock.advance(timedelta(seconds=61))
    world.c.verification.start(rid, Channel.EMAIL)  # answered as ever: no stage told
    assert len(world.mailer.to(estate.ANNA)) == sent


def test_a_binding_made_while_the_estate_is_searched_is_not_made_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling searches the estate outside any transaction; when another settle binds the
    request meanwhile, the write sees it, starts over and finds the request bound."""
    rid = world.submit()
    proof = Proof(
        Identity(IdentityType.EMAIL, estate.ANNA), Factor.EMAIL_CODE, "c1", world.clock.now()
    )
    with world.c.store.transaction() as session:
        record_proof(session, world.c.audit, rid, proof, PUBLIC)
    subjects = world.c.subjects
    search, raced = subjects.holders, []

    def search_while_another_settles(identities: list[Identity]) -> list[SubjectKey]:
        found = search(identities)
        if not raced:  # the first search only: the other settle searches too
            raced.append(None)
            raced[0] = subjects.settle(rid)
        return found

    monkeypatch.setattr(subjects, "holders", search_while_another_settles)
    settled = subjects.settle(rid)
    assert raced[0] is not None
    assert [raced[0].outcome, settled.outcome] == ["bound", "bound"]
    assert settled.subject is not None and settled.subject.value == 1
    assert len(world.summaries(rid, "subject.bound")) == 1
    assert world.status(rid) is Status.VERIFIED
