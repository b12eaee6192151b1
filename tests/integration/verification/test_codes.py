"""One-time codes and links: sent only to contact details on file, single use, expiring,
limited attempts, rate-limited resends (REQUIREMENTS.md:13-14, "Identity": a code proves control of
the channel it was sent to, and nothing else)."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from rightful.adapters.db.verification import ChallengeRow
from rightful.domain.errors import InvalidInputError, NotFoundError
from rightful.domain.lifecycle import Status
from rightful.domain.verification import (
    Channel,
    CodeExpiredError,
    CodeLockedError,
    CodeUsedError,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
)

from . import estate
from .conftest import AGENT, CODE, World, make_world


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_to_an_address_on_file_verifies_and_binds_the_one_subject(world: World) -> None:
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    assert world.status(rid) is Status.AWAITING_VERIFICATION
    progress = world.c.verification.submit_code(
        rid, receipt.challenge_id, world.code_for(estate.ANNA)
    )
    assert progress.outcome == "bound"
    assert world.status(rid) is Status.VERIFIED
    seed = world.c.subjects.seed(rid)
    assert seed.subject.value == 1
    assert [i.value for i in seed.identities] == [estate.ANNA]


def test_the_link_in_the_mail_verifies_like_the_code(world: World) -> None:
    rid = world.submit()
    world.c.verification.start(rid, Channel.EMAIL)
    progress = world.c.verification.open_link(world.link_for(estate.ANNA))
    assert progress.outcome == "bound"
    assert world.summaries(rid, "verification.factor_verified")[0]["factor"] == "email_link"


def test_mail_carries_a_plain_text_and_an_html_body_and_only_hashes_are_stored(
    world: World,
) -> None:
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    mail = world.mailer.to(estate.ANNA)[-1]
    code = world.code_for(estate.ANNA)
    assert code in mail.text
    assert code in mail.html
    with world.c.store.transaction() as session:
        row = session.get(ChallengeRow, receipt.challenge_id)
        assert row is not None
        stored = f"{row.code_hash} {row.link_hash}"
    assert code not in stored
    assert world.link_for(estate.ANNA).split(".")[1] not in stored


def test_an_address_not_on_file_gets_a_neutral_mail_without_a_code(world: World) -> None:
    rid = world.submit(estate.STRANGER)
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    [mail] = world.mailer.to(estate.STRANGER)
    assert "code" not in mail.text.lower().replace("could not issue a code", "")
    assert not any(ch.isdigit() for ch in mail.text.replace(rid[:8], ""))
    with pytest.raises(WrongCodeError):
        world.c.verification.submit_code(rid, receipt.challenge_id, "000000")


def test_a_decoy_challenge_never_verifies_even_with_its_own_secret(world: World) -> None:
    """Not even a lucky guess of the never-sent code proves an address the estate lacks."""
    rid = world.submit(estate.STRANGER)
    world.c.verification.start(rid, Channel.EMAIL)
    with world.c.store.transaction() as session:
        row = session.query(ChallengeRow).filter_by(request_id=rid).one()
        assert row.on_file is False
    for code in ("000000", "123456", "999999"):
        with pytest.raises(WrongCodeError):
            world.c.verification.submit_code(rid, row.id, code)
    assert world.status(rid) is Status.AWAITING_VERIFICATION


def test_wrong_codes_count_down_and_the_fifth_locks_the_code_with_an_audit_event(
    world: World,
) -> None:
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    bad = wrong(world.code_for(estate.ANNA))
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCodeError) as caught:
            world.c.verification.submit_code(rid, receipt.challenge_id, bad)
        assert caught.value.attempts_left == left
    with pytest.raises(CodeLockedError):
        world.c.verification.submit_code(rid, receipt.challenge_id, bad)
    with pytest.raises(CodeLockedError):  # locked: even the right code no longer works
        world.c.verification.submit_code(rid, receipt.challenge_id, world.code_for(estate.ANNA))
    [locked] = world.summaries(rid, "verification.locked_out")
    assert locked == {"challenge_id": receipt.challenge_id, "attempts": 5}
    assert world.status(rid) is Status.AWAITING_VERIFICATION


def test_an_expired_code_is_refused(world: World) -> None:
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    world.clock.advance(timedelta(minutes=15))
    with pytest.raises(CodeExpiredError, match="expired"):
        world.c.verification.submit_code(rid, receipt.challenge_id, world.code_for(estate.ANNA))


def test_a_code_works_once(world: World) -> None:
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    code = world.code_for(estate.ANNA)
    world.c.verification.submit_code(rid, receipt.challenge_id, code)
    with pytest.raises(CodeUsedError):
        world.c.verification.submit_code(rid, receipt.challenge_id, code)
    with pytest.raises(CodeUsedError):
        world.c.verification.open_link(world.link_for(estate.ANNA))


def test_a_newer_code_leaves_the_older_one_working_with_its_own_attempts(world: World) -> None:
    """Whoever holds a request id can have a new code sent: it must not void the one the
    requester is about to type (the guesses per request stay bounded: one code, five)."""
    rid = world.submit()
    first = world.c.verification.start(rid, Channel.EMAIL)
    old_code = world.code_for(estate.ANNA)
    world.clock.advance(timedelta(seconds=61))
    second = world.c.verification.start(rid, Channel.EMAIL)
    for _ in range(4):
        with pytest.raises(WrongCodeError):
            world.c.verification.submit_code(rid, second.challenge_id, wrong(old_code))
    progress = world.c.verification.submit_code(rid, first.challenge_id, old_code)
    assert progress.outcome == "bound"


def test_resending_is_rate_limited(world: World) -> None:
    rid = world.submit()
    world.c.verification.start(rid, Channel.EMAIL)
    world.clock.advance(timedelta(seconds=20))
    with pytest.raises(ResendTooSoonError) as caught:
        world.c.verification.start(rid, Channel.EMAIL)
    assert caught.value.retry_after == 40
    assert len(world.mailer.to(estate.ANNA)) == 1


def send_codes(world: World, rid: str, count: int) -> list[str]:
    """Ask for `count` codes a minute apart, as whoever holds the id may; their challenge ids."""
    sent = []
    for _ in range(count):
        sent.append(world.c.verification.start(rid, Channel.EMAIL).challenge_id)
        world.clock.advance(timedelta(seconds=61))
    return sent


def test_a_request_gets_at_most_ten_codes_a_day_and_says_when_the_next_may_go(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    rid = world.submit()
    send_codes(world, rid, 10)
    with pytest.raises(TooManyChallengesError) as caught:
        world.c.verification.start(rid, Channel.EMAIL)
    assert caught.value.retry_after == 24 * 3600 - 10 * 61
    assert len(world.mailer.to(estate.ANNA)) == 10
    [capped] = world.summaries(rid, "verification.code_cap_reached")
    assert set(capped) == {"challenge_id", "channel", "codes", "window_hours"}
    assert (capped["codes"], capped["window_hours"]) == (10, 24)
    world.clock.advance(timedelta(seconds=caught.value.retry_after))
    world.c.verification.start(rid, Channel.EMAIL)
    assert len(world.mailer.to(estate.ANNA)) == 11


def test_after_ten_codes_a_mail_carries_only_its_link_so_guesses_stay_bounded_for_good(
    sqlite_world: World,
) -> None:
    """REQUIREMENTS.md:14: 10 codes of 5 attempts are 50 guesses in a million per request, for
    good; the link's 128-bit secret is no guess."""
    world = sqlite_world
    rid = world.submit()
    send_codes(world, rid, 10)
    assert world.summaries(rid, "verification.codes_used_up")[0]["guesses"] == 50
    world.clock.advance(timedelta(days=1))
    later = world.c.verification.start(rid, Channel.EMAIL)
    mail = world.mailer.to(estate.ANNA)[-1]
    assert not CODE.search(mail.text) and "Open this link to confirm" in mail.text
    with pytest.raises(CodeLockedError, match="open the link"):
        world.c.verification.submit_code(rid, later.challenge_id, "123456")
    assert world.c.verification.open_link(world.link_for(estate.ANNA)).outcome == "bound"


def test_a_stranger_who_hammers_start_and_locks_every_code_cannot_keep_the_requester_out(
    sqlite_world: World,
) -> None:
    """Request ids are no secret. A stranger who asks for every code the request may have and
    locks each with wrong guesses leaves the requester, who has only their mailbox, the link of
    each mail: it works for as long as the cap holds (`code_window_hours`)."""
    world = sqlite_world
    rid = world.submit()
    for cid in send_codes(world, rid, 10):
        for _ in range(5):
            with contextlib.suppress(WrongCodeError, CodeLockedError):
                world.c.verification.submit_code(rid, cid, "000000")
    with pytest.raises(TooManyChallengesError):
        world.c.verification.start(rid, Channel.EMAIL)
    assert len(world.summaries(rid, "verification.locked_out")) == 10
    world.clock.advance(timedelta(hours=23))
    assert world.c.verification.open_link(world.link_for(estate.ANNA)).outcome == "bound"


def test_a_link_expires_with_the_window_of_codes(sqlite_world: World) -> None:
    world = sqlite_world
    rid = world.submit()
    world.c.verification.start(rid, Channel.EMAIL)
    world.clock.advance(timedelta(hours=24))
    with pytest.raises(CodeExpiredError, match="link has expired"):
        world.c.verification.open_link(world.link_for(estate.ANNA))


def test_a_wrong_link_costs_the_code_no_attempt(sqlite_world: World) -> None:
    world = sqlite_world
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    for _ in range(6):
        with pytest.raises(NotFoundError, match="link is not valid"):
            world.c.verification.open_link(f"{receipt.challenge_id}.not-the-secret")
    progress = world.c.verification.submit_code(
        rid, receipt.challenge_id, world.code_for(estate.ANNA)
    )
    assert progress.outcome == "bound"


def test_a_code_of_another_request_is_unknown_here(world: World) -> None:
    mine, other = world.submit(), world.submit(estate.BEN)
    receipt = world.c.verification.start(other, Channel.EMAIL)
    with pytest.raises(NotFoundError):
        world.c.verification.submit_code(mine, receipt.challenge_id, world.code_for(estate.BEN))


@pytest.mark.parametrize(
    ("channel", "address", "reason"),
    [
        (Channel.EMAIL, "anna@", "email"),
        (Channel.EMAIL, "anna example.org", "email"),
        (Channel.SMS, "12", "phone"),
        (Channel.SMS, "+49 not a number", "phone"),
    ],
)
def test_malformed_contact_details_are_refused_with_the_reason(
    sqlite_world: World, channel: Channel, address: str, reason: str
) -> None:
    rid = sqlite_world.submit()
    with pytest.raises(InvalidInputError, match=reason):
        sqlite_world.c.verification.start(rid, channel, address)


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "", "١٢٣٤٥٦"])
def test_something_that_cannot_be_a_code_is_refused_without_costing_an_attempt(
    sqlite_world: World, code: str
) -> None:
    rid = sqlite_world.submit()
    receipt = sqlite_world.c.verification.start(rid, Channel.EMAIL)
    with pytest.raises(InvalidInputError, match="6 digits"):
        sqlite_world.c.verification.submit_code(rid, receipt.challenge_id, code)
    bad = wrong(sqlite_world.code_for(estate.ANNA))
    with pytest.raises(WrongCodeError) as caught:
        sqlite_world.c.verification.submit_code(rid, receipt.challenge_id, bad)
    assert caught.value.attempts_left == 4


def test_sms_codes_go_only_to_numbers_on_file(world: World) -> None:
    rid = world.submit(phone=estate.ANNA_PHONE)
    receipt = world.c.verification.start(rid, Channel.SMS)
    code = world.code_for(estate.ANNA_PHONE)
    assert world.c.verification.submit_code(rid, receipt.challenge_id, code).outcome == "bound"
    stranger = world.submit(phone="+4915199999999")
    world.c.verification.start(stranger, Channel.SMS)
    assert all(m.to != "+4915199999999" for m in world.sms.recent())


def test_a_closed_request_sends_no_code_and_answers_as_if_it_did(world: World) -> None:
    """Whoever holds the id learns nothing of the stage from the answer (rule 5)."""
    rid, other = world.submit(), world.submit(estate.BEN)
    world.c.requests.cancel(rid, AGENT, "withdrawn by the requester")
    told = len(world.mailer.to(estate.ANNA))  # that it was cancelled
    closed = world.c.verification.start(rid, Channel.EMAIL)
    waiting = world.c.verification.start(other, Channel.EMAIL)
    assert (closed.message, closed.expires_at) == (waiting.message, waiting.expires_at)
    assert len(world.mailer.to(estate.ANNA)) == told and world.mailer.to(estate.BEN)
    assert world.status(rid) is Status.CANCELLED
    with pytest.raises(WrongCodeError):
        world.c.verification.submit_code(rid, closed.challenge_id, "000000")
    assert "verification.challenge_not_due" in world.actions(rid)


@pytest.mark.postgres
def test_parallel_guesses_never_get_more_than_five_attempts(pg_url: str, tmp_path: Path) -> None:
    """Guesses sent at once are counted atomically: a code takes five wrong answers, no more."""
    world = make_world(pg_url, tmp_path)
    rid = world.submit()
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    bad = wrong(world.code_for(estate.ANNA))

    def guess(_: int) -> str:
        try:
            world.c.verification.submit_code(rid, receipt.challenge_id, bad)
        except (WrongCodeError, CodeLockedError) as exc:
            return type(exc).__name__
        return "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(16)))
    assert outcomes.count("WrongCodeError") == 4
    assert outcomes.count("CodeLockedError") == 12
    with world.c.store.transaction() as session:
        row = session.get(ChallengeRow, receipt.challenge_id)
        assert row is not None
        assert row.attempts == 5
    assert len(world.summaries(rid, "verification.locked_out")) == 1
    world.c.store.engine.dispose()


def test_the_audit_chain_holds_no_code_address_or_number(world: World) -> None:
    """REQUIREMENTS.md:33, 5(2) accountability, without personal data: ids, counts, method names."""
    rid = world.submit(phone=estate.ANNA_PHONE)
    receipt = world.c.verification.start(rid, Channel.EMAIL)
    code = world.code_for(estate.ANNA)
    with pytest.raises(WrongCodeError):
        world.c.verification.submit_code(rid, receipt.challenge_id, wrong(code))
    world.c.verification.submit_code(rid, receipt.challenge_id, code)
    step = world.c.verification.step_up(rid, Channel.SMS)
    sms_code = world.code_for(estate.ANNA_PHONE)
    world.c.verification.submit_code(rid, step.challenge_id, sms_code)
    recorded = str([(e.actor, dict(e.summary)) for e in world.c.audit.timeline(rid)])
    for secret in (code, sms_code, estate.ANNA, estate.ANNA_PHONE, "anna", "4915112345678"):
        assert secret not in recorded
    assert world.actions(rid).count("verification.factor_verified") == 2


def test_a_code_to_verify_goes_only_to_the_contact_given_with_the_request(world: World) -> None:
    """Whoever learns a request id must not get it verified, and bound, by a code to a detail
    of their own: the request would be answered to them and its requester locked out (brief:
    the person's data reaches that person and nobody else; REQUIREMENTS.md:14). Nor does the
    answer to a typed detail tell whether it is the requester's."""
    rid = world.submit()
    theirs = world.c.verification.start(rid, Channel.EMAIL, estate.BEN)
    world.clock.advance(timedelta(seconds=61))
    own = world.c.verification.start(rid, Channel.EMAIL, "ANNA.Schmidt@example.org")
    assert (theirs.message, theirs.channel) == (own.message, own.channel)
    world.c.verification.start(rid, Channel.SMS, estate.BEN_PHONE)  # the request has no phone
    assert not world.mailer.to(estate.BEN) and not world.sms.recent()
    assert len(world.mailer.to(estate.ANNA)) == 2
    code = world.code_for(estate.ANNA)
    assert world.c.verification.submit_code(rid, own.challenge_id, code).outcome == "bound"


def test_codes_a_stranger_asks_for_leave_the_requesters_step_ups_alone(
    sqlite_world: World,
) -> None:
    """After verification, whoever holds the id can still ask `start` for codes (answered as
    ever, sent nowhere); they count apart from the step-ups only the signed-in requester can ask
    for, so a stranger cannot use those up."""
    world = sqlite_world
    rid = world.submit(phone=estate.ANNA_PHONE)
    world.verify(rid)
    for _ in range(10):  # the window's ten by text message: no more today
        world.c.verification.start(rid, Channel.SMS)
        world.clock.advance(timedelta(seconds=61))
    with pytest.raises(TooManyChallengesError):
        world.c.verification.start(rid, Channel.SMS)
    step = world.c.verification.step_up(rid, Channel.SMS)
    code = world.code_for(estate.ANNA_PHONE)
    assert world.c.verification.submit_code(rid, step.challenge_id, code).assurance == "high"
