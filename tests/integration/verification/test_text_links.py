"""A text message that carries a code carries the short form of its link too, with the mail's
guarantees: single use, expiry with the window, a wrong guess at the code costs it nothing, and
only ids reach the audit chain. Request ids are no secret, so a stranger can lock a code with
five wrong guesses; a requester who has only their phone still verifies by the link
(REQUIREMENTS.md:13-14, "Identity": a code proves control of the channel it was sent to)."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful.domain.errors import NotFoundError
from rightful.domain.key_ring import KeyRing
from rightful.domain.verification import (
    Channel,
    CodeExpiredError,
    CodeLockedError,
    CodeUsedError,
    WrongCodeError,
    full_link_token,
)
from rightful.services.text_links import TextLinkKeys, TextLinks

from . import estate
from .conftest import CODE, World

SHORT = re.compile(r"https?://\S+/t/([A-Za-z0-9_-]+)")


def newest_text(world: World) -> str:
    return world.sms.recent()[0].text


def short_token(text: str) -> str:
    found = SHORT.search(text)
    assert found is not None, text
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def locked_by_a_stranger(world: World, rid: str, challenge_id: str, guesses: int = 5) -> None:
    for _ in range(guesses):
        with contextlib.suppress(WrongCodeError, CodeLockedError):
            world.c.verification.submit_code(rid, challenge_id, "000000")


def test_a_verification_text_carries_a_link_that_verifies_after_the_code_was_locked(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    rid = world.submit(phone=estate.ANNA_PHONE)
    receipt = world.c.verification.start(rid, Channel.SMS)
    text = newest_text(world)
    code = CODE.search(text)
    assert code is not None, text
    locked_by_a_stranger(world, rid, receipt.challenge_id)
    with pytest.raises(CodeLockedError):
        world.c.verification.submit_code(rid, receipt.challenge_id, code.group(1))
    token = full_link_token(short_token(text))
    assert token is not None and token.startswith(receipt.challenge_id)
    assert world.c.verification.open_link(token).outcome == "bound"
    [proof] = world.summaries(rid, "verification.factor_verified")
    assert proof["factor"] == "sms_link"
    for secret in (code.group(1), token, token.split(".")[1], estate.ANNA_PHONE):
        assert not any(secret in str(e.summary) for e in world.c.audit.timeline(rid))
    with pytest.raises(CodeUsedError):
        world.c.verification.open_link(token)


def test_a_texts_short_link_leads_to_its_links_page_only_with_its_secret(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    rid = world.submit(phone=estate.ANNA_PHONE)
    world.c.verification.start(rid, Channel.SMS)
    short = short_token(newest_text(world))
    links = TextLinks(
        world.c.store, TextLinkKeys(world.c.verification.config.key, KeyRing(b"p"), KeyRing(b"d"))
    )
    assert links.target(short) == f"/verify/link?token={full_link_token(short)}"
    made_up = short[:22] + "A" * (len(short) - 22)
    for wrong_link in (made_up, short[:22], "not-a-link", short[:-1]):
        with pytest.raises(NotFoundError):
            links.target(wrong_link)


def test_after_ten_codes_a_text_carries_only_its_link_so_guesses_stay_bounded(
    sqlite_world: World,
) -> None:
    """The first ten codes of a request's life carry digits (50 guesses in a million, for
    good); later texts, like later mails, carry only the link. Before, no text went out at all
    (429 "ask for one by e-mail"), leaving a phone-only requester nothing."""
    world = sqlite_world
    rid = world.submit(phone=estate.ANNA_PHONE)
    for _ in range(10):
        world.c.verification.start(rid, Channel.EMAIL)
        world.clock.advance(timedelta(seconds=61))
    later = world.c.verification.start(rid, Channel.SMS)
    text = newest_text(world)
    assert not CODE.search(text) and "to confirm your request, open once: http" in text, text
    with pytest.raises(CodeLockedError, match="open the link"):
        world.c.verification.submit_code(rid, later.challenge_id, "123456")
    token = full_link_token(short_token(text))
    assert token is not None and world.c.verification.open_link(token).outcome == "bound"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(guesses=st.integers(0, 12), hours=st.integers(0, 30))
def test_no_number_of_wrong_guesses_stops_a_texts_link_before_it_expires(
    sqlite_world: World, guesses: int, hours: int
) -> None:
    """Whoever guesses, however often: the link works until `code_window_hours` (24) after
    its text, and not after."""
    world = sqlite_world
    rid = world.submit(phone=estate.ANNA_PHONE)
    receipt = world.c.verification.start(rid, Channel.SMS)
    token = full_link_token(short_token(newest_text(world)))
    assert token is not None
    code = CODE.search(newest_text(world))
    assert code is not None
    for _ in range(guesses):
        with contextlib.suppress(WrongCodeError, CodeLockedError):
            world.c.verification.submit_code(rid, receipt.challenge_id, wrong(code.group(1)))
    world.clock.advance(timedelta(hours=hours))
    if hours < 24:
        assert world.c.verification.open_link(token).outcome == "bound"
    else:
        with pytest.raises(CodeExpiredError):
            world.c.verification.open_link(token)
