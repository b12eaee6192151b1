"""The pure rules of verification: assurance levels, proportionality, codes, binding decisions
and masking (REQUIREMENTS.md "Identity"; EDPB 01/2022: proof proportionate to the data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.identities import Identity, IdentityType, normalise
from rightful.domain.sensitivity import Sensitivity, category_sensitivity
from rightful.domain.subjects import Outcome, check_pick, check_second_person, decide, mask
from rightful.domain.verification import (
    Assurance,
    ChallengeState,
    CodeExpiredError,
    CodeLockedError,
    CodePolicy,
    CodeUsedError,
    Factor,
    assurance_reached,
    check_usable,
    clean_code,
    digests_match,
    digits_left,
    fills_window,
    max_sensitivity,
    new_code,
    new_link_secret,
    required_assurance,
    resend_wait,
    secret_digest,
    step_up_options,
    window_wait,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
KEY = b"k" * 32
factors = st.lists(st.sampled_from(list(Factor)), max_size=5)


# --- assurance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used", "level"),
    [
        ([], Assurance.NONE),
        ([Factor.EMAIL_CODE], Assurance.STANDARD),
        ([Factor.EMAIL_CODE, Factor.EMAIL_LINK], Assurance.STANDARD),  # one mailbox, one factor
        ([Factor.EMAIL_CODE, Factor.SMS_CODE], Assurance.HIGH),
        ([Factor.STAFF_CHECK, Factor.EMAIL_LINK], Assurance.HIGH),
        ([Factor.ACCOUNT_ASSERTION], Assurance.HIGH),
    ],
)
def test_two_independent_factors_or_an_account_reach_high(
    used: list[Factor], level: Assurance
) -> None:
    assert assurance_reached(used) is level


@given(factors, factors)
def test_another_proof_never_lowers_the_level(first: list[Factor], more: list[Factor]) -> None:
    assert assurance_reached(first + more).at_least(assurance_reached(first))


@given(factors)
def test_step_up_offers_only_factors_that_would_raise_the_level(used: list[Factor]) -> None:
    before = assurance_reached(used)
    for option in step_up_options(used, list(Factor)):
        assert assurance_reached([*used, option]).rank > before.rank or before is Assurance.HIGH


@pytest.mark.parametrize(
    ("category", "needed"),
    [
        ("user.biometric.voice", Assurance.HIGH),
        ("user.location.precise", Assurance.HIGH),
        ("user.health_and_medical", Assurance.HIGH),
        ("user.financial.bank_account", Assurance.HIGH),
        ("user.contact.email", Assurance.STANDARD),
        ("user.behavior.purchase_history", Assurance.STANDARD),
    ],
)
def test_sensitive_categories_need_the_high_level(category: str, needed: Assurance) -> None:
    assert required_assurance([category_sensitivity(category)]) is needed


def test_a_level_allows_data_up_to_its_sensitivity_and_none_allows_nothing() -> None:
    assert max_sensitivity(Assurance.STANDARD) is Sensitivity.STANDARD
    assert max_sensitivity(Assurance.HIGH) is Sensitivity.HIGH
    with pytest.raises(ConflictError):
        max_sensitivity(Assurance.NONE)


# --- codes --------------------------------------------------------------------------------


@given(st.integers(6, 10))
def test_codes_have_the_policy_digits_and_links_at_least_128_bits(digits: int) -> None:
    policy = CodePolicy(digits=digits)
    code = new_code(policy)
    assert len(code) == digits
    assert code.isdecimal()
    assert len(new_link_secret(policy)) >= 22  # 16 bytes in URL-safe base64


@pytest.mark.parametrize(
    "weak",
    [{"digits": 5}, {"link_bytes": 15}, {"max_attempts": 0}, {"ttl": timedelta(0)}],
)
def test_weaker_code_policies_are_refused(weak: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        CodePolicy(**weak)  # type: ignore[arg-type]


@given(st.text("0123456789", min_size=6, max_size=6), st.lists(st.sampled_from([" ", "-"])))
def test_a_typed_code_with_spaces_or_dashes_reads_as_the_code(code: str, noise: list[str]) -> None:
    typed = "".join(c + (noise[i] if i < len(noise) else "") for i, c in enumerate(code))
    assert clean_code(typed, CodePolicy()) == code


def test_digests_are_keyed_and_bound_to_their_challenge() -> None:
    digest = secret_digest(KEY, "c1", "code", "123456")
    assert digests_match(digest, secret_digest(KEY, "c1", "code", "123456"))
    assert not digests_match(digest, secret_digest(KEY, "c2", "code", "123456"))
    assert not digests_match(digest, secret_digest(KEY, "c1", "link", "123456"))
    assert not digests_match(digest, secret_digest(b"x" * 32, "c1", "code", "123456"))
    assert "123456" not in digest


def state(**changes: object) -> ChallengeState:
    base: dict[str, object] = {
        "expires_at": NOW + timedelta(minutes=15),
        "attempts": 0,
        "max_attempts": 5,
    }
    return ChallengeState(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"used_at": NOW}, CodeUsedError),
        ({"attempts": 5}, CodeLockedError),
        ({"locked_at": NOW}, CodeLockedError),
        ({"superseded_at": NOW}, CodeExpiredError),
        ({"expires_at": NOW}, CodeExpiredError),
    ],
)
def test_a_challenge_says_why_it_takes_no_more_guesses(
    changes: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        check_usable(state(**changes), NOW)
    check_usable(state(), NOW)


def test_resend_waits_out_the_interval() -> None:
    policy = CodePolicy(resend_interval=timedelta(seconds=60))
    assert resend_wait(None, NOW, policy) == 0
    assert resend_wait(NOW - timedelta(seconds=59.5), NOW, policy) == 1
    assert resend_wait(NOW - timedelta(seconds=60), NOW, policy) == 0


# --- the one-subject rule -----------------------------------------------------------------


@given(st.lists(st.integers(0, 5), max_size=6))
def test_exactly_one_distinct_candidate_binds_and_several_are_never_merged(
    found: list[int],
) -> None:
    decision = decide(found)
    distinct = set(found)
    if len(distinct) == 1:
        assert (decision.outcome, decision.subject) == (Outcome.BOUND, found[0])
    elif not distinct:
        assert (decision.outcome, decision.subject) == (Outcome.NO_SUBJECT, None)
    else:
        assert (decision.outcome, decision.subject) == (Outcome.AMBIGUOUS, None)
        assert set(decision.candidates) == distinct


def test_a_pick_must_be_among_the_subjects_resolved_now() -> None:
    check_pick(3, [3, 4])
    with pytest.raises(ConflictError):
        check_pick(5, [3, 4])


def test_the_second_person_must_be_another_principal() -> None:
    check_second_person("key:a", "key:b", "approving")
    with pytest.raises(PermissionDeniedError):
        check_second_person("key:a", "key:a", "approving")


# --- normalisation round trips and masking -------------------------------------------------

local_parts = st.text("abcdefghijklmnopqrstuvwxyz0123456789_+", min_size=1, max_size=20)
domains = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10), min_size=2, max_size=3
).map(".".join)


@given(local_parts, domains, st.sampled_from(["", " ", "\t"]))
def test_email_normalisation_is_idempotent_and_ignores_case_and_outer_space(
    local: str, domain: str, pad: str
) -> None:
    once = normalise(IdentityType.EMAIL, f"{local}@{domain}")
    assert normalise(IdentityType.EMAIL, once.value) == once
    shouted = normalise(IdentityType.EMAIL, f"{pad}{local.upper()}@{domain.upper()}{pad}")
    assert shouted == once


REGIONS = ["DE", "GB", "US", "FR", "AT"]


@settings(max_examples=60)
@given(st.sampled_from(REGIONS), st.integers(0, 999))
def test_every_way_of_writing_a_number_normalises_to_one_e164(region: str, tail: int) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    number = phonenumbers.parse(f"{national[:-3]}{tail:03d}", region)
    assume(phonenumbers.is_valid_number(number))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    styles = [
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    ]
    for style in styles:
        written = phonenumbers.format_number(number, style)
        assert normalise(IdentityType.PHONE, written, default_region=region).value == e164
    assert normalise(IdentityType.PHONE, e164).value == e164


@given(local_parts.filter(lambda s: len(s) > 1), domains)
def test_a_masked_address_keeps_the_domain_and_hides_the_mailbox(local: str, domain: str) -> None:
    identity = normalise(IdentityType.EMAIL, f"{local}@{domain}")
    shown = mask(identity)
    assert shown == f"{identity.value[0]}***@{domain}"
    assert identity.value not in shown


def test_a_masked_phone_shows_country_code_and_last_two_digits() -> None:
    assert mask(Identity(IdentityType.PHONE, "+4915112345678")) == "+49***78"
    assert mask(Identity(IdentityType.ACCOUNT_ID, "acc-12345678")) == "ac***78"
    assert mask(Identity(IdentityType.CUSTOMER_ID, "42")) == "***"


@given(st.lists(st.integers(min_value=0, max_value=48 * 60), max_size=14))
def test_the_code_that_fills_the_window_is_the_last_it_lets_out(minutes_ago: list[int]) -> None:
    """Codes are capped per window (whoever holds a request id must not use them up for
    good): the one audited as filling it is exactly the one after which the next must wait."""
    policy = CodePolicy()
    sent = [NOW - timedelta(minutes=m) for m in minutes_ago]
    assume(window_wait(sent, NOW, policy) == 0)
    assert fills_window(sent, NOW, policy) == (window_wait([*sent, NOW], NOW, policy) > 0)


@given(st.integers(min_value=0, max_value=30))
def test_only_the_first_codes_carry_digits_so_guesses_stay_bounded(with_digits: int) -> None:
    policy = CodePolicy()
    assert digits_left(with_digits, policy) == (with_digits < policy.max_challenges_per_request)
    if digits_left(with_digits, policy):
        assert (with_digits + 1) * policy.max_attempts <= policy.most_guesses
