"""The words of breach notices: to the supervisory authority with what Art. 33(3) requires, and to
the people concerned in clear and plain language with what Art. 34(2) requires. Drafts only:
staff edit them, the DPO approves them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from rightful.domain.errors import InvalidInputError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_scope import Basis, Scope
from rightful.domain.incidents import Discovery, IncidentKind, Nature, ReporterKind
from rightful.domain.severity import Level

AUTHORITY_SECTIONS: Final = (
    ("nature", "Nature of the breach"),
    ("categories", "Categories and approximate numbers of people and records concerned"),
    ("dpo_contact", "Contact point: data protection officer"),
    ("consequences", "Likely consequences"),
    ("measures_taken", "Measures taken"),
    ("measures_proposed", "Measures proposed, including to mitigate adverse effects"),
    ("assessment", "Assessment of severity"),
    ("timing", "Awareness and timing"),
)
SUBJECT_SECTIONS: Final = (
    ("nature", "What happened"),
    ("consequences", "What it may mean for you"),
    ("measures", "What we did and will do"),
    ("dpo_contact", "Who answers your questions"),
)
MAX_SECTION: Final = 8000


def section_titles(audience: Audience) -> tuple[tuple[str, str], ...]:
    """The sections of a notice to `audience`, in order, with their headings."""
    return AUTHORITY_SECTIONS if audience is Audience.AUTHORITY else SUBJECT_SECTIONS


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


def when(at: datetime | None) -> str:
    """A time as a notice states it: UTC, to the minute."""
    return "not yet" if at is None else f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# (category prefix, for the authority, for the person concerned)
CONSEQUENCES: Final = (
    ("user.biometric.voice",
     "Recipients could listen to recordings made in the subjects' homes: private conversations, "
     "voices of household members and visitors, daily routines.",
     "Someone else may have listened to recordings of what was said near your speaker at home."),
    ("user.content",
     "The content (transcripts, messages) may reveal private matters, names of other people and "
     "habits; it may cause distress or embarrassment.",
     "Someone else may have read what you said or wrote, which can reveal private matters."),
    ("user.health_and_medical",
     "Health information may cause discrimination or distress.",
     "Someone else may have learnt about your health."),
    ("user.financial",
     "Financial data may be used for fraud.",
     "Your financial data could be used for fraud; watch your statements."),
    ("user.payment",
     "Payment data may be used for fraud.",
     "Your payment data could be misused; watch your statements."),
    ("user.location",
     "Location data may reveal where the subjects live or spend time.",
     "Someone else may have learnt where you live or spend time."),
    ("user.contact",
     "Contact details may be used for unwanted contact or phishing.",
     "You may receive unwanted messages or attempts to trick you that use your contact details."),
    ("user.device",
     "Device identifiers link the data to a device and its owner.",
     "The data can be linked to your device."),
)  # fmt: skip


def consequences(scope: Scope | None, audience: Audience) -> str:
    """The likely consequences, from the categories exposed."""
    if scope is None or scope.counts.records == 0:
        return "None known: no personal data is known to have been exposed."
    cats = scope.categories
    column = 1 if audience is Audience.AUTHORITY else 2
    lines = [row[column] for row in CONSEQUENCES if any(c.startswith(row[0]) for c in cats)]
    return " ".join(lines) or "Loss of confidentiality of the data listed."


def _nature(f: NoticeFacts) -> str:
    what = {
        IncidentKind.NEAR_MISS: "The leak gate stopped an access package before release because "
        "it held items that could not be proven to belong to the requester.",
        IncidentKind.MISDELIVERY: "Personal data reached a person it did not belong to through "
        "an answer to a data subject access request.",
        IncidentKind.BREACH: "A personal data breach.",
    }[f.kind]
    if f.scope is not None and f.scope.basis is Basis.FOREIGN_ITEMS:
        what += " The access package prepared for the requester also held data of other people."
    if f.scope is not None and f.scope.basis is Basis.WHOLE_PACKAGE:
        what += " The whole access package of one person went to someone else."
    found = ("found by the controller itself" if f.discovery is Discovery.CONTROLLER
             else f"reported to the controller from outside ({f.reporter_kind.value})")  # fmt: skip
    extra = f" {f.description.strip()}" if f.description.strip() else ""
    return f"{what} Circumstances: {f.nature.value.replace('_', ' ')}; {found}.{extra}"


def _categories(scope: Scope | None) -> str:
    if scope is None:
        return "Not yet determined."
    people = len(scope.subjects) or "an unknown number of"
    text = (f"Data concerned: {scope.summary}. Approximately {people} person(s) and "
            f"{scope.counts.records:,} record(s) ({scope.counts.files:,} file(s)). "
            f"Categories: {', '.join(scope.categories) or 'none'}.")  # fmt: skip
    if scope.ambiguous:
        text += (f" {scope.ambiguous} item(s) could belong to the requester or to someone else; "
                 "they are counted as exposed.")  # fmt: skip
    return text


def _measures_taken(f: NoticeFacts) -> str:
    d = f.scope.delivery if f.scope else None
    if f.contained_at is None:
        parts = ["Containment is under way."]
    elif d is not None and d.links:
        parts = [f"Contained at {when(f.contained_at)}: every download link stopped "
                 f"({d.links} link(s)), {f.packages_frozen} package(s) frozen."]  # fmt: skip
    else:
        parts = [f"Contained at {when(f.contained_at)}: {f.packages_frozen} package(s) frozen; "
                 "no download link had been issued."]  # fmt: skip
    if d is not None and d.links:
        parts.append(f"Successful downloads before revocation: {d.downloads}.")
        parts.append({
            "deleted": f"The recipient confirmed deletion at {when(d.deletion_confirmed_at)}.",
            "never_downloaded": "The recipient confirmed never having downloaded the data.",
            "not_confirmed": "The recipient was asked to delete every copy; not yet confirmed.",
            "not_asked": "The recipient has not yet been asked to delete the data.",
        }.get(d.deletion, ""))  # fmt: skip
    return " ".join(p for p in parts if p)


PROPOSED: Final = (
    "Find and correct the cause (data map, collector or procedure); rebuild and re-check "
    "every package built under the same cause before release; tell the people concerned "
    "where required; follow up the recipient's deletion."
)


def _timing(f: NoticeFacts) -> str:
    due = when(f.due_at) if f.due_at else "without undue delay"
    return (f"Aware since {when(f.aware_at)}; incident opened {when(f.opened_at)}; "
            f"notification due under {f.regime_title}: {due}.")  # fmt: skip


def authority_sections(f: NoticeFacts) -> dict[str, str]:
    """A draft of the Art. 33(3) notification."""
    level = f.level.value.replace("_", " ") if f.level else "not assessed"
    return {
        "nature": _nature(f),
        "categories": _categories(f.scope),
        "dpo_contact": f.dpo_contact,
        "consequences": consequences(f.scope, Audience.AUTHORITY),
        "measures_taken": _measures_taken(f),
        "measures_proposed": PROPOSED,
        "assessment": f"Severity {level} (ENISA method). " + " ".join(f.reasoning),
        "timing": _timing(f),
    }


YOUR_DATA: Final = "{your_data}"


def personal(sections: Mapping[str, str], your_data: str) -> dict[str, str]:
    """The approved words for one person: {your_data} becomes what of theirs was exposed."""
    return {name: text.replace(YOUR_DATA, your_data) for name, text in sections.items()}


def subject_sections(f: NoticeFacts) -> dict[str, str]:
    """A draft of the Art. 34(2) communication, in plain words; {your_data} is filled in for
    each person when it is sent."""
    return {
        "nature": f"On {when(f.aware_at)} we learnt that some of your data held by "
        f"{f.controller} was sent to another person by mistake: {YOUR_DATA}.",
        "consequences": consequences(f.scope, Audience.SUBJECTS),
        "measures": "We stopped every download link at once and asked the recipient to delete "
        "the data. We are correcting the cause so that it cannot happen again.",
        "dpo_contact": f.dpo_contact,
    }


def draft_sections(audience: Audience, facts: NoticeFacts) -> dict[str, str]:
    """The generated draft for one audience."""
    if audience is Audience.AUTHORITY:
        return authority_sections(facts)
    return subject_sections(facts)


def check_sections(audience: Audience, sections: Mapping[str, str]) -> dict[str, str]:
    """Edited sections, validated: only known sections, none empty or too long."""
    names = [n for n, _ in section_titles(audience)]
    unknown = sorted(set(sections) - set(names))
    if unknown:
        raise InvalidInputError(f"unknown section(s) {unknown}; use: {', '.join(names)}")
    for name, text in sections.items():
        if not text.strip():
            raise InvalidInputError(f"section {name} cannot be empty")
        if len(text) > MAX_SECTION:
            raise InvalidInputError(f"section {name}: at most {MAX_SECTION} characters")
    return {n: sections[n].strip() for n in names if n in sections}


def sections_sha256(sections: Mapping[str, str]) -> str:
    """The digest an approval binds to: any later edit breaks it."""
    return hashlib.sha256(json.dumps(dict(sections), sort_keys=True).encode()).hexdigest()


def as_markdown(title: str, audience: Audience, sections: Mapping[str, str],
                header: Sequence[str] = ()) -> str:  # fmt: skip
    """The notice as Markdown (what is exported for the authority and kept with the incident)."""
    lines = [f"# {title}", "", *header, ""] if header else [f"# {title}", ""]
    for name, heading in section_titles(audience):
        if name in sections:
            lines += [f"## {heading}", "", sections[name], ""]
    return "\n".join(lines).rstrip() + "\n"
