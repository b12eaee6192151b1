"""What a rectification request (Art. 16) ended with: the fields corrected, each named by its
place in the data map (`dataset.collection.field`), and how many recipients were told (Art. 19).
rightful does not change data in your systems; staff do, and record which fields, so that the
requester is told and the record proves it. Values are never recorded: they are personal data.

A correction reaches every source (REQUIREMENTS.md:25): the data map names the other places that
hold the same kind of data (`also_held_in`), and the rectification is complete only once each is
corrected too or kept with a recorded reason (say, an invoice's address, kept as issued)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rightful.domain.datamap import DataCollection, DataField, DataMap
from rightful.domain.erasure import check_recipients, recipients_told_text
from rightful.domain.errors import InvalidInputError
from rightful.domain.languages import DEFAULT_LANGUAGE, Text, worded
from rightful.domain.notices import law_name
from rightful.domain.words import written

MAX_FIELDS: Final = 100
MIN_REASON, MAX_REASON = 10, 500  # characters of why a place keeps the data as it was


@dataclass(frozen=True)
class Kept:
    """A place that holds the corrected kind of data and was left as it was, and why."""

    field: str
    reason: str


@dataclass(frozen=True)
class Rectified:
    """One step staff recorded: the fields corrected, as `dataset.collection.field`, in the order
    given, once each; the places kept as they were, with why; the recipients told."""

    fields: tuple[str, ...]
    recipients_told: int
    kept: tuple[Kept, ...] = ()


def rectified(
    fields: Sequence[str],
    recipients_told: int,
    datamap: DataMap,
    kept: Sequence[tuple[str, str]] = (),
) -> Rectified:
    """One step of the outcome: fields corrected, and places kept with their reason, each
    checked against the data map; InvalidInputError naming the first thing to fix."""
    named = tuple(dict.fromkeys(f.strip() for f in fields))
    for name in named:
        _label(name, datamap)
    held = tuple({k.field: k for k in (_kept(f, why, datamap) for f, why in kept)}.values())
    if not named and not held:
        raise InvalidInputError("name the fields corrected, as dataset.collection.field")
    if len(named) + len(held) > MAX_FIELDS:
        raise InvalidInputError(f"at most {MAX_FIELDS} fields")
    both = set(named) & {k.field for k in held}
    if both:
        raise InvalidInputError(f"{sorted(both)[0]} cannot be both corrected and kept")
    check_recipients(recipients_told)
    return Rectified(named, recipients_told, held)


def kept_place(text: str) -> tuple[str, str]:
    """`dataset.collection.field=why` as (field, reason), as typed in the CLI or console."""
    name, sep, why = text.partition("=")
    if not sep or not name.strip() or not why.strip():
        raise InvalidInputError(
            "kept: write dataset.collection.field=why it stays as it was, "
            f"not {text.strip()[:120]!r}"
        )
    return name.strip(), why.strip()


def _kept(name: str, why: str, datamap: DataMap) -> Kept:
    field = name.strip()
    _label(field, datamap)
    reason = written(why, f"kept {field[:120]}: the reason", MIN_REASON, MAX_REASON)
    return Kept(field, reason)


def _label(name: str, datamap: DataMap) -> Text:
    place = _place(name, datamap)
    if place is None:
        raise InvalidInputError(
            f"{name[:120]!r} is not a field of the data map: write dataset.collection.field "
            "as your data map's dataset files name it"
        )
    return _words(*place)


def _words(coll: DataCollection, field: DataField) -> Text:
    """The field in plain words, with its collection's: its description, else its name."""
    described = (field.description, coll.description)
    languages = dict.fromkeys(lang for text in described if text for lang in text.languages)
    return Text(tuple(
        (lang, f"{worded(field.description, lang) or field.name} "
               f"({worded(coll.description, lang) or coll.address})")
        for lang in languages or (DEFAULT_LANGUAGE,)
    ))  # fmt: skip


def _worded_field(name: str, datamap: DataMap, language: str) -> str:
    place = _place(name, datamap)
    return name if place is None else _words(*place).in_language(language)


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


@dataclass(frozen=True)
class SubjectRecords:
    """Where the subject's newest package found their records: the collections (addresses) it
    held records of, or may have without counting them (withheld for a step-up, rows a reviewer
    left out), and which package said so."""

    package_id: str
    built_on: str  # the day it was built, ISO
    collections: frozenset[str]


@dataclass(frozen=True)
class Unheld:
    """A place the data map says may hold the corrected data, which holds none of this subject's
    records by the subject's newest package: nothing there to correct."""

    field: str
    package_id: str
    built_on: str


@dataclass(frozen=True)
class Rectification:
    """The record so far: every field corrected, every other place the data map says holds the
    same kind of data (`also_held`), those kept with their reason, and the recipients told.
    It is complete when no place is `open`: each also-held place corrected or kept."""

    fields: tuple[str, ...]
    also_held: tuple[str, ...]
    kept: tuple[Kept, ...]
    recipients_told: int
    unheld: tuple[Unheld, ...] = ()

    @property
    def open(self) -> tuple[str, ...]:
        """The places also holding the data that nobody has yet corrected or kept."""
        done = {*self.fields, *(k.field for k in self.kept), *(u.field for u in self.unheld)}
        return tuple(place for place in self.also_held if place not in done)

    def state_of(self, place: str) -> str:
        """'corrected', 'kept: why', 'no records of this subject …' or 'open' for one place."""
        if place in self.fields:
            return "corrected"
        why = next((k.reason for k in self.kept if k.field == place), None)
        if why is not None:
            return f"kept: {why}"
        none = next((u for u in self.unheld if u.field == place), None)
        if none is not None:
            return f"no records of this subject (package {none.package_id[:8]}, {none.built_on})"
        return "open"

    def as_json(self) -> dict[str, object]:
        return {
            "fields": list(self.fields),
            "recipients_told": self.recipients_told,
            "also_held": list(self.also_held),
            "kept": [{"field": k.field, "reason": k.reason} for k in self.kept],
            "no_records": [{"field": u.field, "package_id": u.package_id,
                            "built_on": u.built_on} for u in self.unheld],
            "open": list(self.open),
        }  # fmt: skip

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> Rectification:
        """The record as stored on the request (none yet: empty); one recorded before places
        were tracked has none."""
        stored = stored or {}
        return cls(
            tuple(stored.get("fields", ())),
            tuple(stored.get("also_held", ())),
            tuple(Kept(k["field"], k["reason"]) for k in stored.get("kept", ())),
            int(stored.get("recipients_told", 0)),
            tuple(Unheld(u["field"], u["package_id"], u["built_on"])
                  for u in stored.get("no_records", ())),
        )  # fmt: skip


def progressed(
    before: Rectification, step: Rectified, datamap: DataMap,
    records: SubjectRecords | None = None,
) -> Rectification:  # fmt: skip
    """The record after `step`: its fields added, the places they are also held in added (each
    once, in data map order), its kept places recorded (a place corrected later is no longer
    kept), the recipients told added. A new place in a collection where the subject's newest
    package (`records`) found none of their records is settled as holding none. InvalidInputError
    for a place kept that the corrected fields are not also held in."""
    fields = tuple(dict.fromkeys((*before.fields, *step.fields)))
    new = [
        p for p in also_held_in(fields, datamap) if p not in fields and p not in before.also_held
    ]
    also = (*before.also_held, *new)
    stray = next((k.field for k in step.kept if k.field not in also), None)
    if stray is not None:
        raise InvalidInputError(
            f"{stray} does not hold the kind of data corrected; a place is kept with a reason "
            f"only where the data map says it also holds it ({', '.join(also) or 'none'})"
        )
    kept = {k.field: k for k in (*before.kept, *step.kept) if k.field not in fields}
    unheld = (*before.unheld, *_unheld(new, records))
    told = before.recipients_told + step.recipients_told
    return Rectification(fields, also, tuple(kept.values()), told, unheld)


def _unheld(places: Sequence[str], records: SubjectRecords | None) -> tuple[Unheld, ...]:
    if records is None:
        return ()
    return tuple(
        Unheld(place, records.package_id, records.built_on)
        for place in places
        if place.rpartition(".")[0] not in records.collections
    )


def also_held_in(fields: Sequence[str], datamap: DataMap) -> tuple[str, ...]:
    """Every field of another collection, not the corrected ones, whose data categories are the
    same kind as a corrected field's: the same user category, or one above or below it at least
    three levels deep (`user.contact.address` holds `user.contact.address.country`; everything
    under `user.contact` would be too broad). A field marked third_party holds someone else's
    data and is left out. In data map order."""
    corrected = [place for name in fields if (place := _place(name, datamap)) is not None]
    found = []
    for coll in datamap.collections():
        for f in coll.fields:
            if f.third_party or f"{coll.address}.{f.name}" in fields:
                continue
            if any(c.address != coll.address and _same_kind(g, f) for c, g in corrected):
                found.append(f"{coll.address}.{f.name}")
    return tuple(found)


def _place(name: str, datamap: DataMap) -> tuple[DataCollection, DataField] | None:
    """The collection and field named, or None (a field an earlier step named that the data
    map in force no longer has)."""
    address, _, field_name = name.rpartition(".")
    coll = datamap.collection(address)
    field = coll.field(field_name) if coll is not None else None
    return None if coll is None or field is None else (coll, field)


def _same_kind(a: DataField, b: DataField) -> bool:
    return any(_related(x, y) for x in a.data_categories for y in b.data_categories)


def _related(a: str, b: str) -> bool:
    if not (a.startswith("user.") and b.startswith("user.")):
        return False
    broad, narrow = sorted((a, b), key=len)
    return a == b or (narrow.startswith(f"{broad}.") and broad.count(".") >= 2)


def rectification_text(
    record: Rectification, datamap: DataMap, request_id: str, language: str, law: str,
    remedies: str,
) -> str:  # fmt: skip
    """What the requester is told: each corrected field in plain words, in order (a field the
    data map no longer has, by its name)."""
    lang = language if language in _SENTENCES else "en"
    say = _SENTENCES[lang]
    intro = say["intro"].format(ref=request_id[:8], law=law_name(law, lang))
    labels = (_worded_field(name, datamap, lang) for name in record.fields)
    parts = [intro + "".join(f"\n- {label}" for label in labels)]
    if record.recipients_told:
        parts.append(recipients_told_text(say, record.recipients_told))
    parts.append(remedies)
    return "\n\n".join(parts)
