"""Leaving out only what would harm others (Art. 15(4)): a reviewer marks one row, or one field
of a row, to be left out of a subject's package, with a reason; the rest of the answer goes out.
The next build leaves those out, says so in the manifest and the overview (how many, where, why,
never what), and the gate still checks everything that stays."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rightful.domain.datamap import DataMap
from rightful.domain.errors import InvalidInputError
from rightful.domain.packages import jsonable
from rightful.domain.words import written

MIN_REASON: Final = 20
MAX_REASON: Final = 2000


@dataclass(frozen=True)
class Exclusion:
    """One row (field None) or one field of a row, by the row's primary key as text."""

    collection: str
    key: tuple[str, ...]
    field: str | None
    reason: str


def key_text(key: Iterable[Any]) -> tuple[str, ...]:
    """A primary key as the text a reviewer types, read off the manifest: 42 and "42" are the
    same row, and an instant is written as the manifest writes it."""
    return tuple(str(jsonable(part)) for part in key)


def exclusion(
    collection: str, key: Sequence[str], field: str | None, reason: str, datamap: DataMap
) -> Exclusion:
    """An exclusion, checked against the data map; InvalidInputError naming what to fix."""
    coll = datamap.collection(collection.strip())
    if coll is None:
        raise InvalidInputError(f"{collection[:100]!r} is not a collection of the data map")
    keys = [f.name for f in coll.fields if f.primary_key]
    if not key or len(key) != len(keys):
        raise InvalidInputError(
            f"{coll.address} is keyed by {', '.join(keys) or 'nothing'}: give "
            f"{len(keys)} key value(s)"
        )
    name = field.strip() if field else None
    if name is not None:
        declared = coll.field(name)
        if declared is None:
            raise InvalidInputError(f"{name[:100]!r} is not a field of {coll.address}")
        if declared.primary_key:
            raise InvalidInputError("a key field cannot be left out; leave out the whole row")
    words = written(reason, "the reason")
    if not MIN_REASON <= len(words) <= MAX_REASON:
        raise InvalidInputError(
            f"say whose rights leaving it out protects in {MIN_REASON} to {MAX_REASON} "
            "characters (Art. 15(4))"
        )
    return Exclusion(coll.address, key_text(key), name, words)


@dataclass
class Exclusions:
    """The exclusions of one request, looked up row by row while a package is built."""

    rows: frozenset[tuple[str, tuple[str, ...]]] = frozenset()
    fields: dict[tuple[str, tuple[str, ...]], frozenset[str]] = dataclasses.field(
        default_factory=dict
    )

    @classmethod
    def of(cls, exclusions: Iterable[Exclusion]) -> Exclusions:
        rows: set[tuple[str, tuple[str, ...]]] = set()
        fields: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        for e in exclusions:
            if e.field is None:
                rows.add((e.collection, e.key))
            else:
                fields.setdefault((e.collection, e.key), set()).add(e.field)
        return cls(frozenset(rows), {k: frozenset(v) for k, v in fields.items()})

    def __bool__(self) -> bool:
        return bool(self.rows or self.fields)

    def row_left_out(self, collection: str, key: Iterable[Any]) -> bool:
        return bool(self.rows) and (collection, key_text(key)) in self.rows

    def fields_left_out(self, collection: str, key: Iterable[Any]) -> frozenset[str]:
        if not self.fields:
            return frozenset()
        return self.fields.get((collection, key_text(key)), frozenset())
