"""The data map's free texts in more than one language: a plain string is in the map's language,
a mapping gives a wording per language; a requester reads the wording in their language, and
the map's own where it gives none (REQUIREMENTS.md:19; Art. 12(1) GDPR: clear and plain
language, which is the requester's)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.datamap.extension import ExtensionError, processing_info
from rightful.adapters.datamap.fides_yaml import load_datamap, read_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.datamap_checks import untranslated
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.languages import OFFERED, Text
from rightful.domain.notices import remedies
from rightful.domain.rectification import Rectification, rectification_text
from rightful.services.practices import general_practices

MAP = """
dataset:
  - fides_key: app
    name: App
    rightful:
      LANGUAGE
      name: {de: "Anwendung"}
      defaults:
        purposes:
          - {en: "Run the app", de: "Betrieb der App"}
          - "Count visits"
        retention: {de: "Zwei Jahre", en: "Two years"}
        recipients:
          - name: Cloud Inc.
            country: US
            third_country: true
            safeguards: {en: "Standard contractual clauses", de: "Standardvertragsklauseln"}
        automated_decisions: {exists: false, logic: {en: "None", de: "Keine"}}
    collections:
      - name: users
        description: One row per user.
        rightful:
          subject: true
          description: {de: "Eine Zeile je Nutzer."}
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true, data_type: integer}
          - name: email
            description: The sign-in address.
            data_categories: [user.contact.email]
            fides_meta: {identity: email, data_type: string}
"""


def write(tmp_path: Path, language: str | None = None, text: str = MAP) -> Path:
    path = tmp_path / "map.yaml"
    said = f"language: {language}" if language else ""
    path.write_text(textwrap.dedent(text).replace("LANGUAGE", said), encoding="utf-8")
    return path


def test_each_text_is_read_in_the_requesters_language_else_in_the_maps(tmp_path: Path) -> None:
    datamap = load_datamap([write(tmp_path)])
    users = datamap.collection("app.users")
    assert users is not None
    info = users.info
    assert [p.in_language("de") for p in info.purposes] == ["Betrieb der App", "Count visits"]
    assert [p.in_language("en") for p in info.purposes] == ["Run the app", "Count visits"]
    assert info.retention is not None
    assert info.retention.in_language("en") == "Two years"
    assert info.retention.default == "Two years", "the map's language first, whatever the order"
    assert info.recipients is not None and info.recipients[0].safeguards is not None
    assert info.recipients[0].safeguards.in_language("de") == "Standardvertragsklauseln"
    assert info.automated_decisions is not None and info.automated_decisions.logic is not None
    assert info.automated_decisions.logic.in_language("de") == "Keine"
    assert users.description is not None
    assert users.description.in_language("de") == "Eine Zeile je Nutzer."
    assert users.description.in_language("en") == "One row per user."
    assert users.description.in_language("fr") == "One row per user."
    name = datamap.datasets[0].name
    assert name is not None and (name.in_language("de"), name.in_language("en")) == (
        "Anwendung",
        "App",
    )


def test_a_map_written_in_german_says_so_and_its_plain_strings_are_german(
    tmp_path: Path,
) -> None:
    text = MAP.replace('name: {de: "Anwendung"}', 'name: {en: "Application"}').replace(
        'description: {de: "Eine Zeile je Nutzer."}', 'description: {en: "A row per user."}'
    )
    datamap = load_datamap([write(tmp_path, "de", text)])
    users = datamap.collection("app.users")
    assert users is not None
    counted = users.info.purposes[1]
    assert counted.languages == ("de",)
    assert counted.in_language("en") == "Count visits", "the map's wording where none is given"
    assert users.info.retention is not None and users.info.retention.default == "Zwei Jahre"
    assert users.description is not None and users.description.languages == ("de", "en")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('{de: "Zwei Jahre", en: "Two years"}', '{german: "Zwei Jahre"}'),
         "retention: german is not a language code such as en or de"),
        (('{de: "Zwei Jahre", en: "Two years"}', "{de: 2}"),
         "retention in de must be text (in quotes if it looks like a number)"),
        (('{de: "Zwei Jahre", en: "Two years"}', "{}"),
         "retention must give at least one language"),
        (('description: {de: "Eine Zeile je Nutzer."}', 'description: "Eine Zeile"'),
         "rightful: description must map languages to the Fides description's wordings in them"),
        (('description: {de: "Eine Zeile je Nutzer."}', 'description: {en: "A row"}'),
         "description in en is given twice: the Fides description is in the map's language"),
        (("name: Cloud Inc.", 'name: {de: "Cloud AG"}'),
         "recipient Cloud AG: its name must be given in the map's language (en) too, the "
         "wording that names it in warnings"),
        (("name: Cloud Inc.", "name: {en: Cloud Inc., de: 7}"),
         "a recipient's name in de must be text (in quotes if it looks like a number)"),
        (("LANGUAGE", "language: English"),
         "language: English is not a language code such as en or de"),
    ],
)  # fmt: skip
def test_a_text_that_is_not_a_wording_per_language_is_one_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    _, problems = read_datamap([write(tmp_path, text=MAP.replace(*change))])
    assert [p.message for p in problems] == [message]


LANGUAGES = st.sampled_from(["en", "de", "fr", "it", "pl"])
WORDINGS = st.dictionaries(LANGUAGES, st.text(min_size=1, max_size=20), min_size=1)


@given(wordings=WORDINGS, map_language=LANGUAGES, asked=LANGUAGES)
def test_for_any_map_the_text_shown_is_the_asked_language_else_the_maps_default(
    wordings: dict[str, str], map_language: str, asked: str
) -> None:
    info = processing_info({"purposes": [wordings], "legal_basis": wordings}, map_language)
    default = wordings.get(map_language, next(iter(wordings.values())))
    for text in (info.purposes[0], info.legal_basis):
        assert text is not None
        assert text.in_language(asked) == wordings.get(asked, default)


@given(wording=st.text(max_size=20), map_language=LANGUAGES, asked=LANGUAGES)
def test_for_any_map_a_plain_string_is_shown_in_every_language(
    wording: str, map_language: str, asked: str
) -> None:
    info = processing_info({"retention": wording}, map_language)
    assert info.retention == Text.plain(wording, map_language)
    assert info.retention.in_language(asked) == wording


@given(wordings=WORDINGS, own=st.text(min_size=1, max_size=20), map_language=LANGUAGES,
       asked=LANGUAGES)  # fmt: skip
def test_for_any_map_a_recipient_is_named_in_the_asked_language_else_in_the_maps(
    wordings: dict[str, str], own: str, map_language: str, asked: str
) -> None:
    """Art. 15(1)(c): the recipients told intelligibly; the map's wording stays its name in
    warnings and lists, whichever languages the map gives."""
    names = {**wordings, map_language: own}
    info = processing_info({"recipients": [{"name": names}, own]}, map_language)
    assert info.recipients is not None
    given_names, plain = info.recipients
    assert given_names.name == plain.name == own
    assert given_names.named(asked) == names.get(asked, own)
    assert plain.named(asked) == own


def test_a_recipient_is_named_in_the_requesters_language_else_in_the_maps(
    tmp_path: Path,
) -> None:
    text = MAP.replace("name: Cloud Inc.", 'name: {de: "Cloud AG", en: "Cloud Inc."}')
    users = load_datamap([write(tmp_path, text=text)]).collection("app.users")
    assert users is not None and users.info.recipients is not None
    cloud = users.info.recipients[0]
    assert (cloud.named("de"), cloud.named("en"), cloud.named("fr")) == (
        "Cloud AG",
        "Cloud Inc.",
        "Cloud Inc.",
    )
    assert cloud.name == "Cloud Inc.", "the map's own wording names it in warnings"


def test_a_number_as_a_wording_is_refused_not_turned_into_text() -> None:
    with pytest.raises(ExtensionError, match="purposes in de must be text"):
        processing_info({"purposes": [{"en": "Run", "de": 10}]}, "en")


def test_the_demo_map_says_everything_in_every_offered_language() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    assert untranslated(datamap) == []
    assert OFFERED == ("en", "de")


def test_texts_missing_an_offered_language_are_named_with_their_place(tmp_path: Path) -> None:
    path = write(tmp_path)
    found = [str(p) for p in untranslated(load_datamap([path]))]
    assert found == [
        f'{path}: app.users.email: description "The sign-in address." has no de wording: '
        "requesters in de read it in en; give it as rightful: description: {de: ...}",
        f'{path}: app.users: purposes "Count visits" has no de wording: requesters in de read '
        "it in en; give it as {en: ..., de: ...}",
        f'{path}: app.users: recipient Cloud Inc.: name "Cloud Inc." has no de wording: '
        "requesters in de read it in en; give it as {en: ..., de: ...}",
    ]


def test_the_general_practices_are_told_in_the_requesters_language(tmp_path: Path) -> None:
    """CCPA §7024(e): the denied requester is told the business's practices, in their words."""
    datamap = load_datamap([write(tmp_path)])
    assert general_practices(datamap, "de").purposes == ("Betrieb der App", "Count visits")
    assert general_practices(datamap, "en").purposes == ("Run the app", "Count visits")
    demo = load_datamap(DATAMAP_FILES)
    assert "Paketdienst (DHL Paket GmbH)" in general_practices(demo, "de").recipients
    assert "Parcel service (DHL Paket GmbH)" in general_practices(demo, "en").recipients


def test_a_corrected_field_is_named_in_the_requesters_language() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    outcome = Rectification(("accounts.customers.email",), (), (), 0)
    rid = "0f3a9c2e-1111-4222-8333-444455556666"
    law = remedies(Jurisdiction.GDPR, "de")
    german = rectification_text(outcome, datamap, rid, "de", "gdpr", law)
    assert "- Die aktuelle Anmeldeadresse. (Eine Zeile je Kundenkonto.)" in german
    law = remedies(Jurisdiction.GDPR, "en")
    english = rectification_text(outcome, datamap, rid, "en", "gdpr", law)
    assert "- The current sign-in address. (One row per customer account.)" in english
