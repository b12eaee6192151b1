"""Restriction of processing (Art. 18): the ground it was granted on, the categories it covers,
the recipients told (Art. 19), and the rule of Art. 18(3) that the person is told before it is
lifted. rightful does not stop processing in your systems; staff do, and record it here, so
that the person is told and the record proves it.

A restriction outlives its request: the request closes once the restriction is in place, and
the restriction stays in force until staff lift it, which they can only do on or after a day
announced to the person at least the house's notice period in advance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from rightful.domain.category_words import listed
from rightful.domain.datamap import DataMap
from rightful.domain.erasure import (
    MAX_CATEGORIES,
    check_recipients,
    mapped_category,
    recipients_told_text,
)
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.notices import law_name
from rightful.domain.words import written

MIN_REASON: Final = 20
LATEST_LIFT: Final = timedelta(days=366)  # after the notice period
MAX_REASON: Final = 2000


class Ground(StrEnum):
    """Art. 18(1)(a) to (d)."""

    ACCURACY_CONTESTED = "a"
    UNLAWFUL = "b"
    LEGAL_CLAIMS = "c"
    OBJECTION_PENDING = "d"


@dataclass(frozen=True)
class Restriction:
    """A restriction as recorded: data categories by name (e.g. `user.contact`), never values."""

    ground: Ground
    categories: tuple[str, ...]
    recipients_told: int


def restriction(
    ground: str, categories: Sequence[str], recipients_told: int, datamap: DataMap
) -> Restriction:
    """The restriction, each category checked against the data map; InvalidInputError naming
    the first thing to fix."""
    try:
        granted = Ground(ground.strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"ground {ground!r}: give the letter of Art. 18(1), one of a, b, c, d"
        ) from None
    covered = tuple(dict.fromkeys(mapped_category(c, datamap) for c in categories))
    if not covered:
        raise InvalidInputError("name the data categories whose processing is restricted")
    if len(covered) > MAX_CATEGORIES:
        raise InvalidInputError(f"at most {MAX_CATEGORIES} categories")
    check_recipients(recipients_told)
    return Restriction(granted, covered, recipients_told)


def lift_reason(text: str) -> str:
    """Why the restriction ends, as the person will read it; InvalidInputError when too short
    or too long to be an explanation."""
    words = written(text, "the reason")
    if not MIN_REASON <= len(words) <= MAX_REASON:
        raise InvalidInputError(
            f"say why the restriction ends in {MIN_REASON} to {MAX_REASON} characters; it goes "
            "to the person as written"
        )
    return words


def earliest_lift(today: date, notice_days: int) -> date:
    """The first day a restriction announced today may be lifted on."""
    return today + timedelta(days=max(notice_days, 0))


def check_lift_day(lifts_on: date, today: date, notice_days: int) -> date:
    """The day announced for lifting, if it leaves the person the notice period (Art. 18(3):
    told before it lifts); InvalidInputError naming the first allowed day otherwise."""
    first = earliest_lift(today, notice_days)
    if lifts_on > first + LATEST_LIFT:
        raise InvalidInputError(
            f"announce a day up to {(first + LATEST_LIFT).isoformat()}: a notice is for a "
            "lifting that is planned, not one years away"
        )
    if lifts_on < first:
        raise InvalidInputError(
            f"announce a day on or after {first.isoformat()}: the person is told {notice_days} "
            "days ahead (restriction_notice_days)"
        )
    return lifts_on


def check_can_lift(lifts_on: date | None, today: date, lifted: bool) -> None:
    """A restriction is lifted only once the person was told, and not before the day they were
    told of; ConflictError saying what to do first."""
    if lifted:
        raise ConflictError("this restriction was lifted already")
    if lifts_on is None:
        raise ConflictError(
            "the person must be told before the restriction is lifted (Art. 18(3)): announce "
            "the day first (rightful requests lift-notice)"
        )
    if today < lifts_on:
        raise ConflictError(
            f"the person was told it lifts on {lifts_on.isoformat()}; it can be lifted from "
            "that day"
        )


_GROUND_WORDS: Final = {
    "en": {
        "a": "you contested the accuracy of the data, for the time we need to verify it",
        "b": "the processing is unlawful and you asked for restriction instead of erasure",
        "c": "we no longer need the data, but you need them to establish, exercise or defend "
        "legal claims",
        "d": "you objected to the processing, while we verify whether our legitimate grounds "
        "override yours",
    },
    "de": {
        "a": "Sie die Richtigkeit der Daten bestritten haben, für die Dauer unserer Überprüfung",
        "b": "die Verarbeitung unrechtmäßig ist und Sie statt der Löschung die Einschränkung "
        "verlangt haben",
        "c": "wir die Daten nicht länger benötigen, Sie sie jedoch zur Geltendmachung, Ausübung "
        "oder Verteidigung von Rechtsansprüchen benötigen",
        "d": "Sie der Verarbeitung widersprochen haben und wir prüfen, ob unsere berechtigten "
        "Gründe überwiegen",
    },
}
_SENTENCES: Final = {
    "en": {
        "intro": "We have restricted the processing of your personal data (reference {ref}) "
        "under Article 18 {law}, because {ground} (Article 18(1)({letter})).",
        "covered": "The restriction covers: {categories}.",
        "while": "While it lasts, we only store these data. We use them otherwise only with your "
        "consent, for legal claims, to protect the rights of another person, or for reasons of "
        "important public interest (Article 18(2)).",
        "before": "We will tell you before the restriction is lifted (Article 18(3)).",
        "told": "We told the {n} recipients to whom we had disclosed your data about the "
        "restriction (Article 19).",
        "told_one": "We told the recipient to whom we had disclosed your data about the "
        "restriction (Article 19).",
        "lifting": "We will lift the restriction of the processing of your personal data "
        "(reference {ref}) on {day}. Why: {reason}",
        "after": "From that day we may process these data again as before. If you disagree, "
        "please tell us before then.",
    },
    "de": {
        "intro": "Wir haben die Verarbeitung Ihrer personenbezogenen Daten (Vorgangsnummer "
        "{ref}) nach Art. 18 {law} eingeschränkt, weil {ground} (Art. 18 Abs. 1 Buchst. "
        "{letter}).",
        "covered": "Die Einschränkung umfasst: {categories}.",
        "while": "Solange sie gilt, speichern wir diese Daten nur. Anders verarbeiten wir sie nur "
        "mit Ihrer Einwilligung, für Rechtsansprüche, zum Schutz der Rechte einer anderen "
        "Person oder aus Gründen eines wichtigen öffentlichen Interesses (Art. 18 Abs. 2).",
        "before": "Bevor wir die Einschränkung aufheben, teilen wir Ihnen das mit "
        "(Art. 18 Abs. 3).",
        "told": "Wir haben die {n} Empfänger, denen wir Ihre Daten offengelegt hatten, über die "
        "Einschränkung informiert (Art. 19).",
        "told_one": "Wir haben den Empfänger, dem wir Ihre Daten offengelegt hatten, über die "
        "Einschränkung informiert (Art. 19).",
        "lifting": "Wir werden die Einschränkung der Verarbeitung Ihrer personenbezogenen Daten "
        "(Vorgangsnummer {ref}) am {day} aufheben. Grund: {reason}",
        "after": "Ab diesem Tag können wir diese Daten wieder wie zuvor verarbeiten. Wenn Sie "
        "damit nicht einverstanden sind, teilen Sie uns das bitte vorher mit.",
    },
}


def restriction_text(
    placed: Restriction, request_id: str, language: str, law: str, remedies: str
) -> str:
    """What the person is told once the restriction is in place (Art. 12(3), 18, 19), in their
    language, ending with the `remedies` of their law (`law`: gdpr or uk_gdpr)."""
    lang = language if language in _SENTENCES else "en"
    say, letter = _SENTENCES[lang], placed.ground.value
    parts = [
        say["intro"].format(ref=request_id[:8], law=law_name(law, lang),
                            ground=_GROUND_WORDS[lang][letter], letter=letter),
        say["covered"].format(categories=listed(placed.categories, lang)),
        say["while"],
        say["before"],
    ]  # fmt: skip
    if placed.recipients_told:
        parts.append(recipients_told_text(say, placed.recipients_told))
    parts.append(remedies)
    return "\n\n".join(parts)


def lifting_text(request_id: str, lifts_on: date, reason: str, language: str, remedies: str) -> str:
    """The Art. 18(3) notice: the day the restriction ends and why, before it ends."""
    say = _SENTENCES[language if language in _SENTENCES else "en"]
    first = say["lifting"].format(ref=request_id[:8], day=lifts_on.isoformat(), reason=reason)
    return "\n\n".join([first, say["after"], remedies])
