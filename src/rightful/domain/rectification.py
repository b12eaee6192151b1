"""What a rectification request (Art. 16) ended with: the fields corrected, each named by its
place in the data map (`dataset.collection.field`), and how many recipients were told (Art. 19).
rightful does not change data in your systems; staff do, and record which fields, so that the
requester is told and the record proves it. Values are never recorded: they are personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rightful.domain.datamap import DataMap
from rightful.domain.erasure import check_recipients, recipients_told_text
from rightful.domain.errors import InvalidInputError
from rightful.domain.languages import DEFAULT_LANGUAGE, Text, worded
from rightful.domain.notices import law_name

MAX_FIELDS: Final = 100


@dataclass(frozen=True)
class Rectified:
    """The fields corrected, as `dataset.collection.field`, in the order given, once each, with
    the plain words the requester reads for each (its description in the data map)."""

    fields: tuple[str, ...]
    labels: tuple[Text, ...]
    recipients_told: int

    def as_json(self) -> dict[str, object]:
        return {"fields": list(self.fields), "recipients_told": self.recipients_told}


def rectified(fields: Sequence[str], recipients_told: int, datamap: DataMap) -> Rectified:
    """The outcome, each field checked against the data map; InvalidInputError naming the first
    thing to fix."""
    named = tuple(dict.fromkeys(f.strip() for f in fields))
    labels = tuple(_label(name, datamap) for name in named)
    if not named:
        raise InvalidInputError("name the fields corrected, as dataset.collection.field")
    if len(named) > MAX_FIELDS:
        raise InvalidInputError(f"at most {MAX_FIELDS} fields")
    check_recipients(recipients_told)
    return Rectified(named, labels, recipients_told)


def _label(name: str, datamap: DataMap) -> Text:
    address, _, field_name = name.rpartition(".")
    coll = datamap.collection(address) if address else None
    field = coll.field(field_name) if coll is not None else None
    if coll is None or field is None:
        raise InvalidInputError(
            f"{name[:120]!r} is not a field of the data map: write dataset.collection.field "
            "as your data map's dataset files name it"
        )
    described = (field.description, coll.description)
    languages = dict.fromkeys(lang for text in described if text for lang in text.languages)
    return Text(tuple(
        (lang, f"{worded(field.description, lang) or field_name} "
               f"({worded(coll.description, lang) or address})")
        for lang in languages or (DEFAULT_LANGUAGE,)
    ))  # fmt: skip


_SENTENCES: Final = {
    "en": {
        "intro": "We have corrected your personal data (reference {ref}) under Article 16 "
        "{law}. We corrected:",
        "told": "We told the {n} recipients to whom we had disclosed your data about the "
        "correction (Article 19).",
        "told_one": "We told the recipient to whom we had disclosed your data about the "
        "correction (Article 19).",
    },
    "de": {
        "intro": "Wir haben Ihre personenbezogenen Daten (Vorgangsnummer {ref}) nach Art. 16 "
        "{law} berichtigt. Berichtigt haben wir:",
        "told": "Wir haben die {n} Empfänger, denen wir Ihre Daten offengelegt hatten, über die "
        "Berichtigung informiert (Art. 19).",
        "told_one": "Wir haben den Empfänger, dem wir Ihre Daten offengelegt hatten, über die "
        "Berichtigung informiert (Art. 19).",
    },
}


def rectification_text(
    outcome: Rectified, request_id: str, language: str, law: str, remedies: str
) -> str:
    """What the requester is told: each corrected field in plain words, in order."""
    lang = language if language in _SENTENCES else "en"
    say = _SENTENCES[lang]
    intro = say["intro"].format(ref=request_id[:8], law=law_name(law, lang))
    parts = [intro + "".join(f"\n- {label.in_language(lang)}" for label in outcome.labels)]
    if outcome.recipients_told:
        parts.append(recipients_told_text(say, outcome.recipients_told))
    parts.append(remedies)
    return "\n\n".join(parts)
