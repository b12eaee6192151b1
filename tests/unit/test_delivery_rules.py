"""Rules of handing a package over: link tokens, their limits, byte ranges, what the holder of
a link is told (REQUIREMENTS.md: Identity — a code proves control of the channel it went to)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.domain.delivery import (
    PASSPHRASE_ALPHABET,
    LinkExhaustedError,
    LinkExpiredError,
    LinkPolicy,
    LinkRevokedError,
    LinkState,
    Outcome,
    RangeNotSatisfiableError,
    check_link,
    downloads_left,
    looks_like_token,
    mask_email,
    mask_phone,
    new_passphrase,
    new_token,
    parse_range,
    token_digest,
)
from rightful.domain.errors import InvalidInputError

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_tokens_carry_at_least_128_random_bits_and_are_stored_only_as_a_digest() -> None:
    policy = LinkPolicy()
    tokens = {new_token(policy) for _ in range(200)}
    assert len(tokens) == 200
    assert all(looks_like_token(t) and len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert token not in token_digest(token) and len(token_digest(token)) == 64


def test_a_policy_below_128_bits_or_without_downloads_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        LinkPolicy(token_bytes=15)
    with pytest.raises(InvalidInputError):
        LinkPolicy(max_downloads=0)
    assert LinkPolicy().ttl == timedelta(days=14) and LinkPolicy().max_downloads == 3


def test_a_link_refuses_for_the_first_reason_that_applies() -> None:
    live = LinkState(NOW + timedelta(days=1), downloads=0, max_downloads=3)
    check_link(live, NOW)
    with pytest.raises(LinkExpiredError):
        check_link(live, NOW + timedelta(days=1))
    with pytest.raises(LinkRevokedError):
        check_link(LinkState(live.expires_at, 0, 3, revoked_at=NOW), NOW)
    used_up = LinkState(live.expires_at, 3, 3)
    with pytest.raises(LinkExhaustedError):
        check_link(used_up, NOW)
    check_link(used_up, NOW, new_download=False)  # a resume of a counted download is fine
    assert downloads_left(used_up) == 0


def test_malformed_tokens_are_rejected_before_any_lookup() -> None:
    assert not looks_like_token("short")
    assert not looks_like_token("a" * 30 + "/../etc")
    assert not looks_like_token("x" * 200)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (0, 99)),
        ("bytes=0-", (0, 99)),
        ("bytes=10-19", (10, 19)),
        ("bytes=90-200", (90, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=5-1", (0, 99)),  # invalid: ignored, the whole file
        ("items=1-2", (0, 99)),  # another unit: ignored
        ("bytes=1-2,5-6", (0, 99)),  # several ranges: we send the whole file
    ],
)
def test_range_headers_select_the_bytes_rfc_9110_describes(
    header: str | None, expected: tuple[int, int]
) -> None:
    chosen = parse_range(header, 100)
    assert (chosen.start, chosen.end) == expected
    assert chosen.partial == (expected != (0, 99))


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=150-160", "bytes=-0"])
def test_a_range_outside_the_file_is_416(header: str) -> None:
    with pytest.raises(RangeNotSatisfiableError) as refused:
        parse_range(header, 100)
    assert refused.value.http_status == 416 and refused.value.size == 100


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 10_000), data=st.data())
def test_every_satisfiable_range_lies_inside_the_file(size: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, size - 1))
    end = data.draw(st.integers(start, size + 50))
    chosen = parse_range(f"bytes={start}-{end}", size)
    assert 0 <= chosen.start <= chosen.end < size
    assert chosen.length == min(end, size - 1) - start + 1
    assert chosen.content_range == f"bytes {chosen.start}-{chosen.end}/{size}"


def test_the_channel_hint_shows_enough_to_recognise_and_no_more() -> None:
    assert mask_email("anna.schmidt@example.com") == "a***@e***.com"
    assert "schmidt" not in mask_email("anna.schmidt@example.com")
    assert mask_phone("+4915123456789") == "+** *** **89"


def test_passphrases_are_long_random_and_easy_to_type() -> None:
    phrases = {new_passphrase() for _ in range(100)}
    assert len(phrases) == 100
    for phrase in phrases:
        groups = phrase.split("-")
        assert len(groups) == 5 and all(len(g) == 5 for g in groups)
        assert set(phrase.replace("-", "")) <= set(PASSPHRASE_ALPHABET)
    assert not set("lo01") & set(PASSPHRASE_ALPHABET)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_attempt_outcome_reads_in_plain_words_on_a_timeline(outcome: Outcome) -> None:
    assert outcome.words
    assert outcome.words.startswith("refused") != (outcome.succeeded or outcome in _NOT_REFUSALS)


_NOT_REFUSALS = {
    Outcome.OPENED, Outcome.CODE_SENT, Outcome.CHECKED, Outcome.PROTECTED, Outcome.NOT_MINE,
    Outcome.STOPPED,
}  # fmt: skip
