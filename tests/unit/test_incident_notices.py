"""Drafts of breach notices carry what the law asks (REQUIREMENTS.md:29-30, 33(3) content:
nature, categories and approximate numbers of subjects and records, DPO contact, likely
consequences, measures taken or proposed; Art. 34: clear and plain language, 33(3)(b)-(d))."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rightful.domain.errors import InvalidInputError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_notice_words import CONSEQUENCES
from rightful.domain.incident_notices import (
    LANGUAGES,
    NoticeFacts,
    as_markdown,
    authority_sections,
    check_sections,
    draft_sections,
    personal,
    section_titles,
    sections_sha256,
    subject_sections,
)
from rightful.domain.incident_scope import (
    Basis,
    Delivery,
    Scope,
    ScopeItem,
    count_items,
    describe,
    describe_person,
)
from rightful.domain.incidents import Discovery, IncidentKind, Nature, ReporterKind
from rightful.domain.severity import Level

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
VOICE = ("user.biometric.voice", "user.content.voice_transcript", "user.device.device_id")


def _facts(**kw: object) -> NoticeFacts:
    items = [ScopeItem(f"r{i}", "record", "speaker.recordings", VOICE) for i in range(4)]
    counts = count_items(items)
    scope = Scope(Basis.FOREIGN_ITEMS, counts, ("pseudo1",), (4,), "req",
                  Delivery(links=1, sent_at=T0, downloads=2, deletion="not_confirmed"),
                  summary=describe(counts))  # fmt: skip
    base: dict[str, object] = {
        "reference": "INC-1", "controller": "Hearthly GmbH", "kind": IncidentKind.MISDELIVERY,
        "nature": Nature.KNOWN_RECIPIENT, "discovery": Discovery.OUTSIDER,
        "reporter_kind": ReporterKind.RECIPIENT, "aware_at": T0, "opened_at": T0,
        "contained_at": T0, "links_revoked": 1, "packages_frozen": 1, "scope": scope,
        "level": Level.HIGH, "reasoning": ("SE = 3.25: high",),
        "dpo_contact": "dpo@hearthly.example", "authority": "SDB", "regime_title": "GDPR",
        "due_at": T0 + timedelta(hours=72),
    }  # fmt: skip
    return NoticeFacts(**{**base, **kw})  # type: ignore[arg-type]


def test_the_authority_draft_holds_every_item_of_article_33_3() -> None:
    s = authority_sections(_facts())
    assert "reached a person it did not belong to" in s["nature"]
    assert "reported to the controller from outside (recipient)" in s["nature"]
    assert "4 recordings with voice audio, transcripts and device serials" in s["categories"]
    assert "Approximately 1 person and 4 records (0 files)" in s["categories"]
    assert (
        "Categories: voice recordings (user.biometric.voice), transcripts of voice requests "
        "(user.content.voice_transcript), device serial numbers (user.device.device_id)."
        in s["categories"]
    )
    assert s["dpo_contact"] == "dpo@hearthly.example"
    assert "listen to recordings" in s["consequences"]
    assert "every download link stopped" in s["measures_taken"]
    assert "Successful downloads before revocation: 2" in s["measures_taken"]
    assert "not yet confirmed" in s["measures_taken"]
    assert s["measures_proposed"]
    assert "2026-03-05 10:00 UTC" in s["timing"]
    assert "high" in s["assessment"]


def test_a_later_notification_says_it_supplements_the_earlier_ones_in_phases() -> None:
    """REQUIREMENTS.md:28 (Art. 33(4)): notices may come in phases."""
    first = authority_sections(_facts())["timing"]
    assert "supplements" not in first and "in phases" not in first
    later = authority_sections(_facts(earlier=(T0, T0 + timedelta(hours=30))))["timing"]
    assert "supplements our notification of 2026-03-02 10:00 UTC, 2026-03-03 16:00 UTC" in later
    assert "Article 33(4)" in later
    german = authority_sections(_facts(earlier=(T0,)), "de")["timing"]
    assert "ergänzt unsere Meldung vom" in german


def test_a_notification_sent_before_the_facts_are_known_says_the_rest_follows() -> None:
    unassessed = authority_sections(_facts(level=None))["timing"]
    assert "we will provide the rest in phases" in unassessed
    unscoped = authority_sections(_facts(scope=None))["timing"]
    assert "in phases without undue further delay (Article 33(4))" in unscoped


def test_the_severity_calculation_reads_one_step_a_line() -> None:
    steps = ("DPC base 3 (behavioural): voice audio", "EI 1 (maximum): direct ids", "SE = 3")
    s = authority_sections(replace(_facts(), reasoning=steps))
    assert s["assessment"] == (
        "Severity high (ENISA method). The calculation:\n"
        "- DPC base 3 (behavioural): voice audio\n- EI 1 (maximum): direct ids\n- SE = 3"
    )


def test_an_unassessed_incident_says_so_without_an_empty_calculation() -> None:
    s = authority_sections(replace(_facts(), level=None, reasoning=()))
    assert s["assessment"] == "Severity not assessed (ENISA method)."


def test_counts_take_the_singular_for_one_and_the_plural_otherwise() -> None:
    facts = _facts()
    assert facts.scope is not None
    one = replace(facts.scope, ambiguous=1)
    english = authority_sections(_facts(scope=one))
    assert "it is counted as exposed" in english["categories"]
    assert "(s)" not in " ".join(english.values())
    german = authority_sections(_facts(scope=replace(facts.scope, ambiguous=3)), "de")
    assert "3 Einträge könnten" in german["categories"]
    assert "(en)" not in " ".join(german.values()) and "(e)" not in " ".join(german.values())


def test_the_subjects_draft_speaks_to_the_person_plainly() -> None:
    s = subject_sections(_facts())
    assert set(s) == {"nature", "consequences", "measures", "dpo_contact"}
    mine = personal(s, "4 recordings with voice audio")
    assert "some of your data" in mine["nature"] and "mistake: 4 recordings" in mine["nature"]
    assert "{your_data}" in s["nature"]  # each person is told what of theirs went astray
    assert "Someone else may have listened" in s["consequences"]
    assert "Recipients could" not in s["consequences"]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_people_hit_by_a_breach_elsewhere_are_not_told_their_data_was_misdelivered(
    lang: str,
) -> None:
    """REQUIREMENTS.md:30 (Art. 34): the nature is told as it was; with no scope from the
    records, the consequences are 'not yet determined', never 'none known'."""
    s = subject_sections(_facts(kind=IncidentKind.BREACH, scope=None), lang)
    said = " ".join(s.values())
    assert "mistake" not in said and "versehentlich" not in said
    assert "Download" not in said and "download" not in said
    assert s["consequences"] in ("Not yet determined.", "Noch nicht ermittelt.")
    assert ("data breach" if lang == "en" else "Verletzung des Schutzes") in s["nature"]


def test_a_near_miss_is_described_as_stopped_before_release() -> None:
    s = authority_sections(_facts(kind=IncidentKind.NEAR_MISS, discovery=Discovery.CONTROLLER))
    assert "stopped an access package before release" in s["nature"]
    assert "found by the controller itself" in s["nature"]


def test_edits_are_checked_and_an_approval_binds_the_exact_words() -> None:
    original = subject_sections(_facts())
    edited = {**original, **check_sections(Audience.SUBJECTS, {"measures": " New words. "})}
    assert edited["measures"] == "New words."
    assert sections_sha256(edited) != sections_sha256(original)
    with pytest.raises(InvalidInputError, match="unknown section"):
        check_sections(Audience.SUBJECTS, {"timing": "x"})
    with pytest.raises(InvalidInputError, match="cannot be empty"):
        check_sections(Audience.AUTHORITY, {"nature": "  "})


def test_the_markdown_export_has_every_section_under_its_heading() -> None:
    text = as_markdown("Notification", Audience.AUTHORITY, authority_sections(_facts()),
                       ["Controller: Hearthly GmbH"])  # fmt: skip
    for heading in ("## Nature of the breach", "## Contact point: data protection officer",
                    "## Likely consequences", "## Measures taken"):  # fmt: skip
        assert heading in text
    assert text.startswith("# Notification\n\nController: Hearthly GmbH")


def test_a_german_draft_for_the_people_concerned_is_german_throughout() -> None:
    s = personal(subject_sections(_facts(), "de"), describe_person_de())
    assert s["nature"].startswith("Am 02.03.2026 10:00 UTC haben wir erfahren")
    assert (
        "versehentlich an eine andere Person gesandt wurde: 4 Einträge aus recordings mit "
        "Sprachaufnahmen, Transkripten und Geräteseriennummern."
    ) in s["nature"]
    assert "Aufnahmen" in s["consequences"] and "Download-Link gesperrt" in s["measures"]
    for english in ("Someone", "We ", "your ", " the ", "recordings with"):
        assert english not in " ".join(s.values())


def test_a_german_notification_for_the_authority_is_german_but_for_the_calculation() -> None:
    s = authority_sections(_facts(), "de")
    assert "Auskunftsersuchen eine Person erreicht" in s["nature"]
    assert "dem Verantwortlichen von außen gemeldet (Empfänger)" in s["nature"]
    assert "Umstände: bekannter Empfänger" in s["nature"]
    assert "Ungefähr 1 Person und 4 Datensätze (0 Dateien)" in s["categories"]
    assert (
        "Kategorien: Sprachaufnahmen (user.biometric.voice), Abschriften von Sprachbefehlen "
        "(user.content.voice_transcript)" in s["categories"]
    )
    assert "Erfolgreiche Downloads vor der Sperrung: 2." in s["measures_taken"]
    assert "05.03.2026 10:00 UTC" in s["timing"]
    assert s["assessment"] == "Schwere: hoch (ENISA-Methode). Berechnung:\n- SE = 3.25: high"
    text = as_markdown("Meldung", Audience.AUTHORITY, s, lang="de")
    for heading in ("## Art der Verletzung", "## Wahrscheinliche Folgen", "## Ergriffene "
                    "Maßnahmen", "## Kenntnis und Fristen"):  # fmt: skip
        assert heading in text


@pytest.mark.parametrize("audience", list(Audience))
def test_every_language_drafts_the_same_sections_with_a_heading_each(audience: Audience) -> None:
    facts = _facts()
    english = draft_sections(audience, facts)
    for lang in LANGUAGES:
        drafted = draft_sections(audience, facts, lang)
        assert set(drafted) == set(english) == {n for n, _ in section_titles(audience, lang)}
        assert all(text.strip() for text in drafted.values())
    assert [row[0] for row in CONSEQUENCES["de"]] == [row[0] for row in CONSEQUENCES["en"]]


def test_a_notice_in_another_language_is_refused_with_the_ones_there_are() -> None:
    with pytest.raises(InvalidInputError, match="one of: en, de"):
        subject_sections(_facts(), "fr")


def describe_person_de() -> str:
    facts = _facts()
    assert facts.scope is not None
    return describe_person(facts.scope, "pseudo1", "de")


def test_counts_are_written_as_each_language_writes_them() -> None:
    items = [ScopeItem(f"r{i}", "record", "speaker.recordings", VOICE) for i in range(1606)]
    facts = _facts()
    assert facts.scope is not None
    many = Scope(Basis.FOREIGN_ITEMS, count_items(items), ("pseudo1",), (1606,), "req",
                 facts.scope.delivery, summary="")  # fmt: skip
    assert (
        "Ungefähr 1 Person und 1.606 Datensätze (0 Dateien)"
        in authority_sections(_facts(scope=many), "de")["categories"]
    )
    assert describe(count_items(items)).startswith("1,606 recordings")
