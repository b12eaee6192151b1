"""Identity normalisation: one place, no wildcards, look-alikes stay apart, values never printed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType, fold, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Anna.Schmidt@Example.COM ", "anna.schmidt@example.com"),
        ("anna@EXAMPLE.com", "anna@example.com"),
        ("%_%@example.com", "%_%@example.com"),
        ("o'brien*@example.com", "o'brien*@example.com"),
        ("jürgen@bücher.example", "jürgen@bücher.example"),
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    """Trim, lower-case the domain and (by default) the local part; wildcards are plain text."""
    assert normalise(IdentityType.EMAIL, raw).value == expected


def test_email_local_part_keeps_case_when_the_setting_says_so() -> None:
    identity = normalise("email", "Anna@Example.COM", email_local_case_sensitive=True)
    assert identity.value == "Anna@example.com"


def test_email_is_nfc_normalised() -> None:
    """A decomposed 'ü' (u + combining diaeresis) and the composed one are the same address."""
    decomposed = "ju\u0308rgen@example.com"
    assert normalise("email", decomposed).value == normalise("email", "jürgen@example.com").value


def test_homoglyphs_stay_distinct() -> None:
    """A Cyrillic small a (U+0430) is not a Latin a (REQUIREMENTS: identity)."""
    latin = normalise("email", "anna@example.com")
    cyrillic = normalise("email", "\u0430nna@example.com")
    assert latin != cyrillic
    assert latin.value != cyrillic.value


def test_a_sign_that_folds_into_a_plain_letter_is_refused_not_matched() -> None:
    """The Kelvin sign (U+212A) becomes "K" under NFC and "k" under lower(): a stored
    "\u212aarl@" matched whoever verified "karl@" on PostgreSQL and MariaDB, not on SQLite.
    Refused, it matches nobody anywhere, and nobody can ask as it."""
    with pytest.raises(InvalidInputError, match="stands in for a plain letter"):
        normalise("email", "\u212aarl@example.com")
    assert not IdentityPolicy().matches(
        "\u212aarl@example.com", normalise("email", "karl@example.com")
    )
    assert normalise("email", "Stra\u00dfe@example.de").value == "stra\u00dfe@example.de"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("anna", "exactly one '@'"),
        ("a@b@example.com", "exactly one '@'"),
        ("@example.com", "before '@' is empty"),
        ("anna@example", "two non-empty labels"),
        ("anna@exa mple.com", "spaces"),
        ("' OR 1=1 --@example.com", "spaces"),
        ("anna..x@example.com", "dots"),
        ("anna@-example.com", "starts or ends with '-'"),
        ("anna@exa_mple.com", "letters, digits and '-'"),
        ("a\x00b@example.com", "control"),
    ],
)
def test_malformed_email_is_rejected_with_its_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        normalise("email", raw)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("030 12345678", "DE", "+493012345678"),
        ("+49 (151) 234-56789", "DE", "+4915123456789"),
        ("0049 151 23456789", "DE", "+4915123456789"),
        ("020 7946 0018", "GB", "+442079460018"),
    ],
)
def test_phone_becomes_e164(raw: str, region: str, expected: str) -> None:
    assert normalise("phone", raw, default_region=region).value == expected


@pytest.mark.parametrize("raw", ["", "abc", "+49 1", "%", "' OR 1=1 --"])
def test_malformed_phone_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="phone"):
        normalise("phone", raw)


def test_unknown_identity_type_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="unknown identity type"):
        normalise("passport", "X123")


def test_text_identities_keep_wildcards_literally() -> None:
    assert normalise("customer_id", " ' OR 1=1 -- ").value == "' OR 1=1 --"
    assert normalise("device_serial", "%").value == "%"


def test_repr_and_str_never_show_the_value() -> None:
    identity = normalise("email", "anna.schmidt@example.com")
    for text in (repr(identity), str(identity), f"{identity}", repr([identity])):
        assert "anna" not in text
        assert "example" not in text
    assert identity.fingerprint in repr(identity)


def test_policy_matches_stored_values_by_the_same_rules() -> None:
    policy = IdentityPolicy()
    identity = policy.normalise("email", "anna@example.com")
    assert policy.matches("  ANNA@Example.com ", identity)
    assert not policy.matches("\u0430nna@example.com", identity)
    assert not policy.matches("not an address", identity)
    assert not policy.matches(None, identity)


@given(st.emails())
def test_normalising_twice_changes_nothing(address: str) -> None:
    once = normalise("email", address)
    assert normalise("email", once.value) == once


@given(st.text(min_size=1, max_size=30))
def test_fold_is_idempotent_and_ignores_surrounding_spaces(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold(f"  {text} ") == fold(text.strip(" "))


def test_identities_are_values() -> None:
    assert Identity(IdentityType.EMAIL, "a@b.example") == Identity(
        IdentityType.EMAIL, "a@b.example"
    )
    assert (
        len(
            {Identity(IdentityType.EMAIL, "a@b.example")}
            | {Identity(IdentityType.PHONE, "a@b.example")}
        )
        == 2
    )
