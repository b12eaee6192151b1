"""What an erasure request (Art. 17) ended with: the ground it was granted on, what was erased,
what was kept and under which exception of Art. 17(3), and how many recipients were told
(Art. 19). rightful does not delete in your systems; staff do, and record the outcome here, so
that the requester is told and the record proves it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from rightful.domain.category_words import in_sentence, listed
from rightful.domain.datamap import DataMap
from rightful.domain.errors import InvalidInputError


class Ground(StrEnum):
    """Art. 17(1)(a) to (f)."""

    NOT_NEEDED = "a"
    CONSENT_WITHDRAWN = "b"
    OBJECTED = "c"
    UNLAWFUL = "d"
    LEGAL_OBLIGATION = "e"
    CHILD = "f"


class Retention(StrEnum):
    """Art. 17(3)(a) to (e): why a category may be kept despite the request."""

    EXPRESSION = "a"
    LEGAL_OBLIGATION = "b"
    PUBLIC_HEALTH = "c"
    ARCHIVING = "d"
    LEGAL_CLAIMS = "e"


_GROUND_WORDS: Final = {
    "en": {
        "a": "the data were no longer needed for the purposes they were collected for",
        "b": "you withdrew the consent the processing rested on",
        "c": "you objected and there are no overriding legitimate grounds",
        "d": "the data had been processed unlawfully",
        "e": "erasure is required by a legal obligation",
        "f": "the data were collected when offering online services to a child",
    },
    "de": {
        "a": "die Daten für die Zwecke, zu denen sie erhoben wurden, nicht mehr notwendig waren",
        "b": "Sie Ihre Einwilligung widerrufen haben, auf der die Verarbeitung beruhte",
        "c": "Sie widersprochen haben und keine vorrangigen berechtigten Gründe vorliegen",
        "d": "die Daten unrechtmäßig verarbeitet wurden",
        "e": "die Löschung zur Erfüllung einer rechtlichen Verpflichtung erforderlich ist",
        "f": "die Daten in Bezug auf Dienste der Informationsgesellschaft für ein Kind "
        "erhoben wurden",
    },
}
_EXCEPTION_WORDS: Final = {
    "en": {
        "a": "to exercise the right of freedom of expression and information",
        "b": "to comply with a legal obligation",
        "c": "for reasons of public interest in the area of public health",
        "d": "for archiving, scientific or historical research or statistical purposes",
        "e": "for the establishment, exercise or defence of legal claims",
    },
    "de": {
        "a": "zur Ausübung des Rechts auf freie Meinungsäußerung und Information",
        "b": "zur Erfüllung einer rechtlichen Verpflichtung",
        "c": "aus Gründen des öffentlichen Interesses im Bereich der öffentlichen Gesundheit",
        "d": "für Archiv-, Forschungs- oder statistische Zwecke",
        "e": "zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen",
    },
}
_SENTENCES: Final = {
    "en": {
        "intro": "We have acted on your request for erasure (reference {ref}) under Article 17 "
        "GDPR, because {ground} (Article 17(1)({letter})).",
        "erased": "We erased: {categories}.",
        "kept": "We kept {category} {why} (Article 17(3)({letter})).",
        "told": "We told the {n} recipients to whom we had disclosed your data about the "
        "erasure (Article 19 GDPR).",
        "told_one": "We told the recipient to whom we had disclosed your data about the "
        "erasure (Article 19 GDPR).",
    },
    "de": {
        "intro": "Wir haben Ihren Antrag auf Löschung (Vorgangsnummer {ref}) nach Art. 17 DSGVO "
        "bearbeitet, weil {ground} (Art. 17 Abs. 1 Buchst. {letter}).",
        "erased": "Gelöscht haben wir: {categories}.",
        "kept": "Behalten haben wir {category}, {why} (Art. 17 Abs. 3 Buchst. {letter}).",
        "told": "Wir haben die {n} Empfänger, denen wir Ihre Daten offengelegt hatten, über die "
        "Löschung informiert (Art. 19 DSGVO).",
        "told_one": "Wir haben den Empfänger, dem wir Ihre Daten offengelegt hatten, über die "
        "Löschung informiert (Art. 19 DSGVO).",
    },
}
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
MAX_CATEGORIES: Final = 100
MAX_RECIPIENTS: Final = 1_000_000  # recipients told (Art. 19): a count, not a number to overflow


@dataclass(frozen=True)
class ErasureOutcome:
    """The outcome as recorded: data categories by name (e.g. `user.contact`), never values."""

    ground: Ground
    erased: tuple[str, ...]
    kept: tuple[tuple[str, Retention], ...]
    recipients_told: int

    def as_json(self) -> dict[str, object]:
        return {
            "ground": self.ground.value,
            "erased": list(self.erased),
            "kept": [{"category": c, "exception": e.value} for c, e in self.kept],
            "recipients_told": self.recipients_told,
        }


def erasure_outcome(
    ground: str,
    erased: Sequence[str],
    kept: Sequence[tuple[str, str]],
    recipients_told: int,
    datamap: DataMap,
) -> ErasureOutcome:
    """The outcome, each category checked against the data map; InvalidInputError naming the
    first thing to fix."""
    try:
        granted = Ground(ground.strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"ground {ground!r}: give the letter of Art. 17(1), one of a, b, c, d, e, f"
        ) from None
    gone = tuple(dict.fromkeys(mapped_category(c, datamap) for c in erased))
    held = tuple((mapped_category(c, datamap), _exception(c, e)) for c, e in kept)
    if not gone and not held:
        raise InvalidInputError("name what was erased, and what was kept with its exception")
    if len(gone) + len(held) > MAX_CATEGORIES:
        raise InvalidInputError(f"at most {MAX_CATEGORIES} categories")
    both = set(gone) & {c for c, _ in held}
    if both:
        raise InvalidInputError(f"{sorted(both)[0]} cannot be both erased and kept")
    check_recipients(recipients_told)
    return ErasureOutcome(granted, gone, held, recipients_told)


def erasure_text(outcome: ErasureOutcome, request_id: str, language: str, remedies: str) -> str:
    """What the requester is told (Art. 12(3), 17, 19), in their language, ending with the
    `remedies` of their law."""
    lang = language if language in _SENTENCES else "en"
    say, letter = _SENTENCES[lang], outcome.ground.value
    parts = [say["intro"].format(ref=request_id[:8], ground=_GROUND_WORDS[lang][letter],
                                 letter=letter)]  # fmt: skip
    if outcome.erased:
        parts.append(say["erased"].format(categories=listed(outcome.erased, lang)))
    parts += [
        say["kept"].format(category=in_sentence(category, lang),
                           why=_EXCEPTION_WORDS[lang][why.value], letter=why.value)
        for category, why in outcome.kept
    ]  # fmt: skip
    if outcome.recipients_told:
        parts.append(recipients_told_text(say, outcome.recipients_told))
    parts.append(remedies)
    return "\n\n".join(parts)


def recipients_told_text(say: Mapping[str, str], n: int) -> str:
    """The Art. 19 sentence of a notice: `say["told_one"]` for one recipient, `say["told"]`
    with the count for more ("the 1 recipients" told the requester nothing right)."""
    return say["told_one"] if n == 1 else say["told"].format(n=n)


def check_recipients(recipients_told: int) -> None:
    """The recipients told of an erasure, rectification or restriction (Art. 19), counted."""
    if not 0 <= recipients_told <= MAX_RECIPIENTS:
        raise InvalidInputError(f"recipients_told counts recipients: 0 to {MAX_RECIPIENTS:,}")


def kept_pair(text: str) -> tuple[str, str]:
    """`user.financial=b` as (category, exception letter), as typed in the CLI or console."""
    category, sep, letter = text.partition("=")
    if not sep or not category.strip() or not letter.strip():
        raise InvalidInputError(
            f"kept: write CATEGORY=LETTER (e.g. user.financial=b), not {text.strip()!r}"
        )
    return category.strip(), letter.strip()


def data_category(name: str) -> str:
    """A data category name, checked (lowercase and dotted, e.g. `user.contact`)."""
    cleaned = name.strip()
    if not _CATEGORY.fullmatch(cleaned) or len(cleaned) > 100:
        raise InvalidInputError(
            f"{name!r} is not a data category name (lowercase, dotted, e.g. user.contact)"
        )
    return cleaned


def mapped_category(name: str, datamap: DataMap) -> str:
    """A data category the data map holds (one it declares or one above them): the requester
    is told it, and a restriction in force names it to your systems."""
    category = data_category(name)
    if not datamap.holds_category(category):
        raise InvalidInputError(
            f"{category!r} is not a data category of the data map: name one its datasets "
            "declare, or one above them (user.contact for user.contact.email)"
        )
    return category


def _exception(category: str, code: str) -> Retention:
    try:
        return Retention(code.strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"kept {category}: give the letter of the Art. 17(3) exception, one of a, b, c, d, e"
        ) from None
