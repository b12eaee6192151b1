"""Collectors broken on purpose, each in a way that has sent someone else's data out in practice.

Each wraps the real collector (`rightful.services.collection.collect`) and changes one thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from rightful.domain.datamap import DataMap
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.provenance import CollectedRecord, SubjectKey
from rightful.domain.sources import RecordSource
from rightful.services.collection import collect


def without_windows(datamap: DataMap) -> DataMap:
    """The same data map with every validity window dropped (references hold forever)."""
    datasets = []
    for ds in datamap.datasets:
        collections = []
        for coll in ds.collections:
            fields = tuple(
                dataclasses.replace(
                    f,
                    identity_validity=None,
                    references=tuple(dataclasses.replace(r, window=None) for r in f.references),
                )
                for f in coll.fields
            )
            collections.append(dataclasses.replace(coll, fields=fields))
        datasets.append(dataclasses.replace(ds, collections=tuple(collections)))
    return dataclasses.replace(datamap, datasets=tuple(datasets))


def _row(source: RecordSource, datamap: DataMap, address: str, key: Any) -> tuple[Any, ...]:
    coll = datamap.collection(address)
    assert coll is not None
    rows = list(source.fetch(coll.name, coll.field_names, coll.primary_key, [(key,)]))
    assert rows, f"no {address} row {key}"
    return rows[0]


def _record(
    datamap: DataMap, sources: Mapping[str, RecordSource], address: str, key: Any,
    subject: SubjectKey, chain: tuple[Any, ...] = (),
) -> CollectedRecord:  # fmt: skip
    coll = datamap.collection(address)
    assert coll is not None
    source = sources[datamap.source_of(address)]
    row = _row(source, datamap, address, key)
    blobs = tuple((f.name, row[coll.field_names.index(f.name)]) for f in coll.blob_fields)
    return CollectedRecord(
        source.name, address, (key,), coll.field_names, row, coll.categories, blobs, chain, subject
    )


class DropsValidityWindows:
    """Ignores ownership and address periods: a resold speaker's past recordings go along."""

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        yield from collect(without_windows(datamap), sources, identities, subject_key, **kw)


class JoinsOnName:
    """Also collects every customer with the requester's name, as a search by name would."""

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        own = list(collect(datamap, sources, identities, subject_key, **kw))
        yield from own
        me = next(r for r in own if r.collection == subject_key.collection)
        name = me.as_dict()["full_name"]
        namesakes = sources["accounts"].lookup(
            "customers", ["customer_id", "full_name"], "full_name", [name]
        )
        for other, _ in namesakes:
            if other != subject_key.value:
                found = Identity(IdentityType.CUSTOMER_ID, str(other))
                for record in collect(
                    datamap, sources, [found], SubjectKey(subject_key.collection, other), **kw
                ):
                    yield record._replace(subject=subject_key, chain=me.chain)


class FollowsReferenceBackwards:
    """From the requester's speakers back to every ownership of them, and on to those owners."""

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        own = list(collect(datamap, sources, identities, subject_key, **kw))
        yield from own
        serials = {r.as_dict()["serial"] for r in own if r.collection == "speaker.devices"}
        coll = datamap.collection("speaker.device_ownership")
        assert coll is not None
        rows = sources["speaker"].lookup(coll.name, coll.field_names, "device_serial", serials)
        for row in rows:
            owner = row[coll.field_names.index("customer_id")]
            key = row[coll.field_names.index("ownership_id")]
            yield _record(datamap, sources, "speaker.device_ownership", key, subject_key)
            yield _record(datamap, sources, "accounts.customers", owner, subject_key)


class InjectsRecord:
    """Adds one record of someone else, dressed in a chain copied from a genuine record."""

    def __init__(self, address: str, key: Any) -> None:
        self.address, self.key = address, key

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        own = list(collect(datamap, sources, identities, subject_key, **kw))
        yield from own
        yield _record(datamap, sources, self.address, self.key, subject_key, own[-1].chain)


class ChangesAValue:
    """Passes a record on with one value changed (a transcript, say) after reading it."""

    def __init__(self, address: str, field: str, value: Any) -> None:
        self.address, self.field, self.value = address, field, value

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        changed = False
        for record in collect(datamap, sources, identities, subject_key, **kw):
            if record.collection == self.address and not changed:
                values = list(record.values)
                values[record.fields.index(self.field)] = self.value
                record, changed = record._replace(values=tuple(values)), True
            yield record


class IgnoresVerificationLevel:
    """Collects everything, even categories the requester has not been verified for."""

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, **kw: Any
    ) -> Iterator[CollectedRecord]:
        kw["max_sensitivity"] = None
        yield from collect(datamap, sources, identities, subject_key, **kw)
