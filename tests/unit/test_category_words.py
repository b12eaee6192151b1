"""Data categories in plain words (Art. 12(1): clear and plain language; REQUIREMENTS.md:30 asks
it of breach notices): a data subject reads "e-mail addresses", never `user.contact.email`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.category_words import (
    CATEGORIES,
    category_name,
    category_with_key,
    in_sentence,
    listed,
    listed_with_keys,
)
from rightful.domain.languages import OFFERED

DATAMAP = load_datamap(list(DATAMAP_FILES))
KEYS = st.from_regex(r"(user|system)(\.[a-z][a-z0-9_]{0,12}){1,4}", fullmatch=True)


@pytest.mark.parametrize("language", OFFERED)
def test_every_category_of_the_data_map_and_every_parent_has_a_name_from_the_table(
    language: str,
) -> None:
    for category in DATAMAP.categories:
        parts = category.split(".")
        for end in range(2, len(parts) + 1):
            key = ".".join(parts[:end])
            if DATAMAP.holds_category(key):
                name = category_name(key, language)
                assert name and key not in name
                assert name in {w.get(language) for w in CATEGORIES.values()}, key


@given(KEYS, st.sampled_from(OFFERED))
def test_any_key_gets_a_non_empty_name_without_the_key_in_it(key: str, language: str) -> None:
    name = category_name(key, language)
    assert name.strip() and key not in name


def test_known_keys_read_in_english_and_german() -> None:
    assert category_name("user.contact.email", "en") == "E-mail addresses"
    assert category_name("user.contact.email", "de") == "E-Mail-Adressen"


def test_an_unknown_key_is_named_by_its_nearest_known_parent_else_spelled_out() -> None:
    assert category_name("user.contact.email.work", "en") == "E-mail addresses"
    assert category_name("user.contact.fax", "de") == "Kontaktdaten"
    assert category_name("user.telepathy.dreams", "en") == "Telepathy / dreams"


def test_a_language_not_offered_reads_english() -> None:
    assert category_name("user.name", "fr") == "Names"


def test_in_a_sentence_english_lowercases_but_not_acronyms_and_german_keeps_its_nouns() -> None:
    assert in_sentence("user.contact.email", "en") == "e-mail addresses"
    assert in_sentence("user.government_id", "en") == "ID numbers"
    assert in_sentence("user.contact.email", "de") == "E-Mail-Adressen"


def test_a_list_names_each_plain_name_once_and_the_authority_list_adds_the_keys() -> None:
    both = ["user.contact.email.work", "user.contact.email.home", "user.name"]
    assert listed(both, "en") == "e-mail addresses, names"
    assert listed_with_keys(["user.name", "user.name"], "de") == "Namen (user.name)"


def test_staff_read_a_known_key_in_words_beside_it() -> None:
    assert category_with_key("user.contact.email") == "E-mail addresses (user.contact.email)"
    assert category_with_key("user.contact.email", "de") == "E-Mail-Adressen (user.contact.email)"


def test_staff_read_a_sub_category_in_its_nearest_parents_words_with_its_own_key() -> None:
    assert category_with_key("user.contact.email.work") == (
        "E-mail addresses (user.contact.email.work)"
    )
    assert category_with_key("user.contact.fax") == "Contact details (user.contact.fax)"


def test_staff_read_a_key_with_no_known_parent_as_the_key_alone() -> None:
    """The requester's overview spells such a key out ("Telepathy / dreams"); beside the key
    that would only repeat it, so staff read the key."""
    assert category_with_key("user.telepathy.dreams") == "user.telepathy.dreams"
    assert category_with_key("custom") == "custom"


@given(st.one_of(KEYS, st.text()), st.sampled_from([*OFFERED, "fr"]))
def test_a_category_for_staff_never_fails_and_always_shows_its_key(key: str, language: str) -> None:
    shown = category_with_key(key, language)
    assert shown == key or shown.endswith(f" ({key})")
