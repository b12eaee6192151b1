"""The words of breach notices: to the supervisory authority with what Art. 33(3) requires, and to
the people concerned in clear and plain language with what Art. 34(2) requires. Drafts only:
staff edit them, the DPO approves them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from rightful.domain.category_words import listed_with_keys
from rightful.domain.errors import InvalidInputError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_notice_words import CONSEQUENCES, NOUNS, SENTENCES, VALUE_WORDS
from rightful.domain.incident_scope import Basis, Scope, describe, number
from rightful.domain.incidents import Discovery, IncidentKind, Nature, ReporterKind
from rightful.domain.notices import law_name
from rightful.domain.severity import Level
from rightful.domain.words import written

LANGUAGES: Final = ("en", "de")
AUTHORITY_SECTIONS: Final = {
    "en": (
        ("nature", "Nature of the breach"),
        ("categories", "Categories and approximate numbers of people and records concerned"),
        ("dpo_contact", "Contact point: data protection officer"),
        ("consequences", "Likely consequences"),
        ("measures_taken", "Measures taken"),
        ("measures_proposed", "Measures proposed, including to mitigate adverse effects"),
        ("assessment", "Assessment of severity"),
        ("timing", "Awareness and timing"),
    ),
    "de": (
        ("nature", "Art der Verletzung"),
        ("categories", "Kategorien und ungefähre Zahl der betroffenen Personen und Datensätze"),
        ("dpo_contact", "Anlaufstelle: Datenschutzbeauftragte(r)"),
        ("consequences", "Wahrscheinliche Folgen"),
        ("measures_taken", "Ergriffene Maßnahmen"),
        ("measures_proposed", "Vorgeschlagene Maßnahmen, auch zur Abmilderung nachteiliger Folgen"),
        ("assessment", "Bewertung der Schwere"),
        ("timing", "Kenntnis und Fristen"),
    ),
}
SUBJECT_SECTIONS: Final = {
    "en": (
        ("nature", "What happened"),
        ("consequences", "What it may mean for you"),
        ("measures", "What we did and will do"),
        ("dpo_contact", "Who answers your questions"),
    ),
    "de": (
        ("nature", "Was geschehen ist"),
        ("consequences", "Was das für Sie bedeuten kann"),
        ("measures", "Was wir getan haben und tun werden"),
        ("dpo_contact", "Wer Ihre Fragen beantwortet"),
    ),
}
MAX_SECTION: Final = 8000


def section_titles(audience: Audience, lang: str = "en") -> tuple[tuple[str, str], ...]:
    """The sections of a notice to `audience`, in order, with their headings in `lang`."""
    table = AUTHORITY_SECTIONS if audience is Audience.AUTHORITY else SUBJECT_SECTIONS
    return table[_lang(lang)]


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InvalidInputError(f"notices are drafted in one of: {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class NoticeFacts:
    """Everything a draft is written from; all of it comes from the incident's records."""

    reference: str
    controller: str
    kind: IncidentKind
    nature: Nature
    discovery: Discovery
    reporter_kind: ReporterKind
    aware_at: datetime
    opened_at: datetime
    contained_at: datetime | None
    links_revoked: int
    packages_frozen: int
    scope: Scope | None
    level: Level | None
    reasoning: tuple[str, ...]
    dpo_contact: str
    authority: str
    regime_title: str
    due_at: datetime | None
    description: str = ""
    regime_name: str = ""  # gdpr, uk_gdpr, ccpa or a house regime's name
    # When earlier notifications to the same authority went out: this one supplements them
    # (Art. 33(4): information in phases).
    earlier: tuple[datetime, ...] = ()


def regime_title(name: str, title: str, audience: Audience, lang: str) -> str:
    """A regime as a notice names it: its own article of "Art. 33 and 34", and a built-in
    law's name in the notice's language (DSGVO in German)."""
    article = "Art. 33" if audience is Audience.AUTHORITY else "Art. 34"
    title = title.replace("Art. 33 and 34", article)
    if name in ("gdpr", "uk_gdpr"):
        english = law_name(name, "en")
        if title.startswith(f"{english} "):
            title = law_name(name, lang) + title[len(english) :]
    return title


def when(at: datetime | None, lang: str = "en") -> str:
    """A time as a notice states it: UTC, to the minute."""
    if at is None:
        return SENTENCES[lang]["not_yet"]
    return f"{at.astimezone(UTC):{SENTENCES[lang]['time_format']}} UTC"


def _count(n: int, noun: str, lang: str) -> str:
    """'1 record', '1,606 records'; '1 Datensatz', '1.606 Datensätze'."""
    one, many = NOUNS[lang][noun]
    return f"{number(n, lang)} {one if n == 1 else many}"


def _word(value: StrEnum, lang: str) -> str:
    return VALUE_WORDS.get(lang, {}).get(value) or value.value.replace("_", " ")


def consequences(scope: Scope | None, audience: Audience, lang: str = "en") -> str:
    """The likely consequences, from the categories exposed."""
    t = SENTENCES[_lang(lang)]
    if scope is None:  # nothing of rightful's records scopes it: the DPO says what is known
        return t["undetermined"]
    if scope.counts.records == 0:
        return t["none_known"]
    cats = scope.categories
    column = 1 if audience is Audience.AUTHORITY else 2
    rows = CONSEQUENCES[lang]
    lines = [row[column] for row in rows if any(c.startswith(row[0]) for c in cats)]
    return " ".join(lines) or t["confidentiality"]


def _nature(f: NoticeFacts, lang: str) -> str:
    t = SENTENCES[lang]
    what = t[f.kind]
    if f.scope is not None and f.scope.basis is Basis.FOREIGN_ITEMS:
        what += t["foreign_items"]
    if f.scope is not None and f.scope.basis is Basis.WHOLE_PACKAGE:
        what += t["whole_package"]
    found = (t["found_inside"] if f.discovery is Discovery.CONTROLLER
             else t["found_outside"].format(reporter=_word(f.reporter_kind, lang)))  # fmt: skip
    extra = f" {f.description.strip()}" if f.description.strip() else ""
    return t["circumstances"].format(what=what, nature=_word(f.nature, lang), found=found,
                                     extra=extra)  # fmt: skip


def _categories(scope: Scope | None, lang: str) -> str:
    t = SENTENCES[lang]
    if scope is None:
        return t["undetermined"]
    summary = describe(scope.counts, lang) if lang != "en" else scope.summary
    people = len(scope.subjects)
    text = t["categories"].format(
        summary=summary,
        people=_count(people, "person", lang) if people else t["unknown_people"],
        records=_count(scope.counts.records, "record", lang),
        files=_count(scope.counts.files, "file", lang),
        categories=listed_with_keys(scope.categories, lang) or t["no_categories"],
    )  # fmt: skip
    if scope.ambiguous:
        text += t["ambiguous_one" if scope.ambiguous == 1 else "ambiguous"].format(
            n=number(scope.ambiguous, lang)
        )
    return text


def _measures_taken(f: NoticeFacts, lang: str) -> str:
    t = SENTENCES[lang]
    d = f.scope.delivery if f.scope else None
    at = when(f.contained_at, lang)
    if f.contained_at is None:
        parts = [t["containing"]]
    elif d is not None and d.links:
        parts = [
            t["contained_links"].format(
                at=at,
                links=_count(d.links, "link", lang),
                frozen=_count(f.packages_frozen, "package", lang),
            )
        ]
    else:
        parts = [t["contained"].format(at=at, frozen=_count(f.packages_frozen, "package", lang))]
    if d is not None and d.links:
        parts.append(t["downloads"].format(n=d.downloads))
        if d.deletion in ("deleted", "never_downloaded", "not_confirmed", "not_asked"):
            parts.append(t[d.deletion].format(at=when(d.deletion_confirmed_at, lang)))
    return " ".join(p for p in parts if p)


def _timing(f: NoticeFacts, lang: str) -> str:
    t = SENTENCES[lang]
    due = when(f.due_at, lang) if f.due_at else t["undue_delay"]
    parts = [t["timing"].format(aware=when(f.aware_at, lang), opened=when(f.opened_at, lang),
                                regime=regime_title(f.regime_name, f.regime_title,
                                                    Audience.AUTHORITY, lang),
                                due=due)]  # fmt: skip
    if f.earlier:
        parts.append(t["supplements"].format(dates=", ".join(when(at, lang) for at in f.earlier)))
    if f.scope is None or f.level is None:
        parts.append(t["phases_follow"])
    return " ".join(parts)


def _assessment(t: Mapping[str, str], level: str, reasoning: Sequence[str]) -> str:
    """The level, then the calculation as a Markdown list: one step (a number and why) a line."""
    head = t["assessment"].format(level=level)
    if not reasoning:
        return head
    return "\n".join([f"{head} {t['calculation']}", *(f"- {step}" for step in reasoning)])


def authority_sections(f: NoticeFacts, lang: str = "en") -> dict[str, str]:
    """A draft of the Art. 33(3) notification, in `lang` (the severity reasoning, a
    calculation, stays as the assessment wrote it)."""
    t = SENTENCES[_lang(lang)]
    level = _word(f.level, lang) if f.level else t["not_assessed"]
    return {
        "nature": _nature(f, lang),
        "categories": _categories(f.scope, lang),
        "dpo_contact": f.dpo_contact,
        "consequences": consequences(f.scope, Audience.AUTHORITY, lang),
        "measures_taken": _measures_taken(f, lang),
        "measures_proposed": t["proposed"],
        "assessment": _assessment(t, level, f.reasoning),
        "timing": _timing(f, lang),
    }


YOUR_DATA: Final = "{your_data}"


def personal(sections: Mapping[str, str], your_data: str) -> dict[str, str]:
    """The approved words for one person: {your_data} becomes what of theirs was exposed."""
    return {name: text.replace(YOUR_DATA, your_data) for name, text in sections.items()}


def subject_sections(f: NoticeFacts, lang: str = "en") -> dict[str, str]:
    """A draft of the Art. 34(2) communication, in plain words in `lang`; {your_data} is filled
    in for each person when it is sent."""
    t = SENTENCES[_lang(lang)]
    # A misdelivery (or a near miss) went through an answer to a request; a breach elsewhere
    # did not: its people are not told their data was "sent to another person by mistake".
    delivered = f.kind is not IncidentKind.BREACH
    return {
        "nature": t["subject_nature" if delivered else "subject_breach"].format(
            at=when(f.aware_at, lang), controller=f.controller, your_data=YOUR_DATA
        ),
        "consequences": consequences(f.scope, Audience.SUBJECTS, lang),
        "measures": t["subject_measures" if delivered else "subject_breach_measures"],
        "dpo_contact": f.dpo_contact,
    }


def draft_sections(audience: Audience, facts: NoticeFacts, lang: str = "en") -> dict[str, str]:
    """The generated draft for one audience, in `lang`."""
    if audience is Audience.AUTHORITY:
        return authority_sections(facts, lang)
    return subject_sections(facts, lang)


def check_sections(audience: Audience, sections: Mapping[str, str]) -> dict[str, str]:
    """Edited sections, validated: only known sections, none empty or too long."""
    names = [n for n, _ in section_titles(audience)]
    unknown = sorted(set(sections) - set(names))
    if unknown:
        raise InvalidInputError(f"unknown section(s) {unknown}; use: {', '.join(names)}")
    for name, text in sections.items():
        if not written(text, f"section {name}", 0):
            raise InvalidInputError(f"section {name} cannot be empty")
        if len(text) > MAX_SECTION:
            raise InvalidInputError(f"section {name}: at most {MAX_SECTION} characters")
    return {n: sections[n].strip() for n in names if n in sections}


def sections_sha256(sections: Mapping[str, str]) -> str:
    """The digest an approval binds to: any later edit breaks it."""
    return hashlib.sha256(json.dumps(dict(sections), sort_keys=True).encode()).hexdigest()


def as_markdown(title: str, audience: Audience, sections: Mapping[str, str],
                header: Sequence[str] = (), lang: str = "en") -> str:  # fmt: skip
    """The notice as Markdown (what is exported for the authority and kept with the incident)."""
    lines = [f"# {title}", "", *header, ""] if header else [f"# {title}", ""]
    for name, heading in section_titles(audience, lang):
        if name in sections:
            lines += [f"## {heading}", "", sections[name], ""]
    return "\n".join(lines).rstrip() + "\n"
