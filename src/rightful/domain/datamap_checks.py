"""Consistency checks on a data map; every problem names its file, collection and field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from rightful.domain.datamap import (
    IDENTIFIER,
    AutomatedDecisions,
    DataCollection,
    DataField,
    DataMap,
    Dataset,
    Reference,
)
from rightful.domain.datamap_graph import plan_traversal
from rightful.domain.languages import OFFERED, Text


@dataclass(frozen=True, slots=True)
class DataMapProblem:
    """One error in a data map, located as precisely as the map allows."""

    file: str
    collection: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = ".".join(p for p in (self.collection, self.field) if p)
        return f"{self.file}: {where or '-'}: {self.message}"


# Fides data types that hold no time (Fides has no time type: a time field declares none).
NOT_TIMES: Final = frozenset({"string", "integer", "float", "boolean", "object", "object_id"})


def check_datamap(
    datamap: DataMap, known_categories: frozenset[str] | None = None
) -> list[DataMapProblem]:
    """Every problem found; an empty list means the map can drive a collection."""
    problems = list(_dataset_problems(datamap))
    for dataset in datamap.datasets:
        for coll in dataset.collections:
            problems.extend(_collection_problems(datamap, dataset, coll, known_categories))
    problems.extend(_subject_problems(datamap))
    if not problems:
        problems.extend(_reachability_problems(datamap))
    return problems


# Art. 15(1) information every package owes for each collection, as the map declares it.
_OWED: Final = (
    ("purposes", "why the data is used (Art. 15(1)(a))"),
    ("retention", "how long the data is kept (Art. 15(1)(d))"),
)


def article_15_gaps(datamap: DataMap) -> list[DataMapProblem]:
    """Collections whose packages would be silent on why their data is used, how long it is
    kept, who receives it or (CCPA) whether it is sold or shared. Not errors (the map can drive a
    collection), but the answer owes all of them."""
    return [
        DataMapProblem(dataset.origin, coll.address, None, message)
        for dataset in datamap.datasets
        for coll in dataset.collections
        for message in _gaps(coll)
    ]


def _gaps(coll: DataCollection) -> Iterator[str]:
    for key, what in _OWED:
        if not getattr(coll.info, key):
            yield f"no {key}: its packages cannot say {what}; declare rightful: {key}"
    if coll.info.recipients is None:
        yield (
            "no recipients: its packages cannot say who receives the data (Art. 15(1)(c)) nor "
            "whether it is sold or shared (CCPA); declare rightful: recipients (recipients: [] "
            "when nobody outside receives it)"
        )
    yield from _decision_gaps(coll.info.automated_decisions)
    for r in coll.info.recipients or ():
        if not r.disclosure:
            yield (
                f"recipient {r.name}: no disclosure: its CCPA packages cannot say whether the "
                "data is sold or shared (Cal. Civ. Code §1798.110(c), §1798.115(a)); declare "
                "disclosure: business_purpose, sale or sharing"
            )


def _decision_gaps(decisions: AutomatedDecisions | None) -> Iterator[str]:
    """Art. 15(1)(h): whether automated decisions are made and, where they are, the logic
    involved and their significance and envisaged consequences."""
    if decisions is None:
        yield (
            "no automated_decisions: its packages can only say that the records do not tell "
            "whether decisions with legal or similarly significant effect are made "
            "automatically (Art. 15(1)(h)); declare rightful: automated_decisions (false when "
            "none is made)"
        )
    elif decisions.exists and not (decisions.logic and decisions.significance):
        yield (
            "automated_decisions are made, but its packages cannot give the logic involved and "
            "their significance and envisaged consequences (Art. 15(1)(h)); declare "
            "automated_decisions: logic and significance"
        )


# Texts Fides itself holds (the others are rightful's own).
FIDES_TEXTS: Final = frozenset({"name", "description"})


def untranslated(datamap: DataMap, offered: tuple[str, ...] = OFFERED) -> list[DataMapProblem]:
    """Texts a requester in one of the `offered` languages would read in another. Not errors
    (the map's own wording is shown), but Art. 12(1) GDPR wants the information in clear and
    plain language, which is the requester's."""
    return [
        DataMapProblem(
            dataset.origin, address, field,
            f"{key} {_quoted(text.default)} has no {language} wording: requesters in {language} "
            f"read it in {text.languages[0]}; {_how(key, text.languages[0], language)}",
        )
        for dataset in datamap.datasets
        for address, field, key, text in _texts(dataset)
        for language in text.missing(offered)
    ]  # fmt: skip


def _how(key: str, given: str, missing: str) -> str:
    """How to add the wording: Fides' own texts stay plain Fides, their other wordings go into
    the block's `rightful:`."""
    if key in FIDES_TEXTS:
        return f"give it as rightful: {key}: {{{missing}: ...}}"
    return f"give it as {{{given}: ..., {missing}: ...}}"


def _texts(dataset: Dataset) -> Iterator[tuple[str, str | None, str, Text]]:
    """(where, the field, the key, the text) of every free text a requester reads."""
    if dataset.name is not None:
        yield dataset.key, None, "name", dataset.name
    for coll in dataset.collections:
        for field, key, text in coll.texts():
            yield coll.address, field, key, text


def _quoted(wording: str, limit: int = 40) -> str:
    """The start of a wording, enough to find it in the file."""
    return f'"{wording}"' if len(wording) <= limit else f'"{wording[: limit - 1]}…"'


def _dataset_problems(datamap: DataMap) -> Iterator[DataMapProblem]:
    counts = Counter(d.key for d in datamap.datasets)
    for dataset in datamap.datasets:
        if counts[dataset.key] > 1:
            yield DataMapProblem(dataset.origin, dataset.key, None, "dataset key declared twice")
        if not IDENTIFIER.match(dataset.key):
            yield DataMapProblem(
                dataset.origin,
                dataset.key,
                None,
                "dataset key is not a plain identifier (letters, digits, '_')",
            )


def _collection_problems(
    datamap: DataMap, dataset: Dataset, coll: DataCollection, known: frozenset[str] | None
) -> Iterator[DataMapProblem]:
    def problem(field: str | None, message: str) -> DataMapProblem:
        return DataMapProblem(dataset.origin, coll.address, field, message)

    if not IDENTIFIER.match(coll.name):
        yield problem(None, "collection name is not a plain identifier (letters, digits, '_')")
    if not coll.primary_key:
        yield problem(None, "no primary key (fides_meta: primary_key: true on a field)")
    for category in coll.data_categories:
        if not _category_known(datamap, category, known):
            yield problem(None, f"unknown data category {category}")
    for f in coll.fields:
        for message in _field_messages(datamap, coll, f, known):
            yield problem(f.name, message)


def _field_messages(
    datamap: DataMap, coll: DataCollection, f: DataField, known: frozenset[str] | None
) -> Iterator[str]:
    if not IDENTIFIER.match(f.name):
        yield "field name is not a plain identifier (nested fields are not supported)"
    for category in f.data_categories:
        if not _category_known(datamap, category, known):
            yield f"unknown data category {category}"
    if f.identity_validity is not None:
        for column in (f.identity_validity.valid_from, f.identity_validity.valid_until):
            if column is not None and coll.field(column) is None:
                yield f"identity validity column {column} is not a field of {coll.address}"
    if f.blob_store is not None and not IDENTIFIER.match(f.blob_store):
        yield "blob store name is not a plain identifier"
    for ref in f.references:
        yield from _reference_messages(datamap, coll, f, ref)


def _reference_messages(
    datamap: DataMap, coll: DataCollection, f: DataField, ref: Reference
) -> Iterator[str]:
    target = datamap.collection(ref.target.collection_address)
    other = target.field(ref.target.field) if target else None
    if target is None or other is None:
        yield f"unknown reference {ref.target}"
        return
    if f.data_type and other.data_type and f.data_type != other.data_type:
        yield (f"type mismatch: {f.data_type} here, {other.data_type} in {ref.target}")
    if ref.window is None:
        if other.identity_validity is not None:
            v = other.identity_validity
            until = f", until: {v.valid_until}" if v.valid_until else ""
            yield (f"refers to {ref.target}, which is valid only from {v.valid_from}"
                   f"{' until ' + v.valid_until if v.valid_until else ''}, without a window: "
                   f"every holder ever would receive this row; add window: {{from: "
                   f"{v.valid_from}{until}, at: <this row's time>}}")  # fmt: skip
        return
    at = coll.field(ref.window.at)
    if at is None:
        yield f"window timestamp {ref.window.at} is not a field of {coll.address}"
    elif at.data_type in NOT_TIMES:
        yield (f"window timestamp {at.name} is declared {at.data_type}: a window compares times "
               "(a value that is no time makes every reference fail, silently)")  # fmt: skip
    for column in (ref.window.valid_from, ref.window.valid_until):
        bound = target.field(column) if column is not None else None
        if column is not None and bound is None:
            yield f"window bound {column} is not a field of {target.address}"
        elif bound is not None and bound.data_type in NOT_TIMES:
            yield f"window bound {column} of {target.address} is declared {bound.data_type}"


def _category_known(datamap: DataMap, category: str, known: frozenset[str] | None) -> bool:
    return known is None or category in known or category in datamap.custom_categories


def _subject_problems(datamap: DataMap) -> Iterator[DataMapProblem]:
    subjects = [c for c in datamap.collections() if c.subject]
    first = datamap.datasets[0].origin if datamap.datasets else "<none>"
    if not subjects:
        yield DataMapProblem(first, None, None, "no subject collection (rightful: subject: true)")
    for extra in subjects[1:]:
        yield DataMapProblem(
            datamap.origin_of(extra.address),
            extra.address,
            None,
            f"second subject collection (first is {subjects[0].address})",
        )
    for subject in subjects[:1]:
        if len(subject.primary_key) != 1:
            yield DataMapProblem(
                datamap.origin_of(subject.address),
                subject.address,
                None,
                "the subject collection needs a primary key of exactly one field",
            )
    if not any(True for _ in datamap.identity_fields()):
        yield DataMapProblem(first, None, None, "no identity field (fides_meta: identity)")


def _reachability_problems(datamap: DataMap) -> Iterator[DataMapProblem]:
    plan = plan_traversal(datamap)
    for address in plan.unreachable:
        yield DataMapProblem(
            datamap.origin_of(address),
            address,
            None,
            f"unreachable from the subject collection {plan.subject}",
        )
