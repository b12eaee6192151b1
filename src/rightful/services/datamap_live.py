"""`rightful datamap check --live`: does every source have the tables and columns the map names?

Each collection is probed with its declared columns by a query that reads no rows; when the
source lacks something, the table and then each column are probed alone, so every missing name
gets its own line. The two ends of each reference must hold values of one kind (a text column
joined to an integer one fails on PostgreSQL, and across sources matches nothing). Blob stores
must be folders that can be read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import SecretStr

from rightful.adapters.sources import BLOB_SCHEMES, open_blob_store, open_source, scheme_of
from rightful.adapters.sources.sql import type_family
from rightful.domain.datamap import DataCollection, DataMap
from rightful.domain.datamap_checks import DataMapProblem
from rightful.domain.errors import ConfigurationError, SourceSchemaError, SourceUnavailableError
from rightful.domain.sources import RecordSource


def check_live(datamap: DataMap, dsns: Mapping[str, SecretStr | str]) -> list[DataMapProblem]:
    """One problem per missing table, missing column, unreachable source or unreadable folder."""
    plain = {n: d.get_secret_value() if isinstance(d, SecretStr) else d for n, d in dsns.items()}
    problems: list[DataMapProblem] = []
    kinds: Kinds = {}
    for source in datamap.sources:
        problems.extend(_source_problems(datamap, source, plain.get(source), kinds))
    problems.extend(_reference_problems(datamap, kinds))
    problems.extend(_blob_store_problems(datamap, plain))
    return problems


# What the values of each column compare as, by dataset, collection and field (type_family)
Kinds = dict[tuple[str, str, str], str]


def _source_problems(
    datamap: DataMap, source: str, dsn: str | None, kinds: Kinds
) -> Iterator[DataMapProblem]:
    dataset = next(d for d in datamap.datasets if d.source == source)
    if dsn is None:
        yield _unusable(dataset.origin, source, not_configured(source))
        return
    if scheme_of(dsn) in BLOB_SCHEMES:
        yield _unusable(dataset.origin, source, "is a blob store (file://), not a database")
        return
    try:
        opened = open_source(source, dsn, schema=datamap.schema_of(source))
    except (ConfigurationError, SourceUnavailableError) as exc:
        yield _unusable(dataset.origin, source, str(exc))
        return
    try:
        for d in datamap.datasets:
            if d.source == source:
                for coll in d.collections:
                    missing = list(_collection_problems(opened, d.origin, coll))
                    yield from missing
                    if not missing:
                        _learn_kinds(opened, d.key, coll, kinds)
    except SourceUnavailableError as exc:
        yield _unusable(dataset.origin, source, str(exc))
    finally:
        opened.close()


def _collection_problems(
    opened: RecordSource, origin: str, coll: DataCollection
) -> Iterator[DataMapProblem]:
    try:
        opened.probe(coll.name, coll.field_names)
        return
    except SourceSchemaError:
        pass
    where = f"in source {opened.name}"
    try:
        opened.probe(coll.name, ())
    except SourceSchemaError:
        yield DataMapProblem(origin, coll.address, None, f"no table {coll.name} {where}")
        return
    for name in coll.field_names:
        try:
            opened.probe(coll.name, (name,))
        except SourceSchemaError:
            yield DataMapProblem(origin, coll.address, name, f"no column {name} {where}")


def _learn_kinds(opened: RecordSource, dataset: str, coll: DataCollection, kinds: Kinds) -> None:
    """The kinds of a collection's columns, where its source tells declared types."""
    column_types = getattr(opened, "column_types", None)
    if column_types is None:
        return
    for name, declared in column_types(coll.name).items():
        family = type_family(declared)
        if family is not None:
            kinds[(dataset, coll.name, name)] = family


def _reference_problems(datamap: DataMap, kinds: Kinds) -> Iterator[DataMapProblem]:
    for d in datamap.datasets:
        for coll in d.collections:
            for f in coll.fields:
                for ref in f.references:
                    here = kinds.get((d.key, coll.name, f.name))
                    there = kinds.get((ref.target.dataset, ref.target.collection, ref.target.field))
                    if here is not None and there is not None and here != there:
                        yield DataMapProblem(d.origin, coll.address, f.name, (
                            f"holds {here} values but refers to {ref.target.collection_address}."
                            f"{ref.target.field}, which holds {there}: make both columns one "
                            "type (a join between them fails or matches nothing)"
                        ))  # fmt: skip


def _blob_store_problems(datamap: DataMap, dsns: Mapping[str, str]) -> Iterator[DataMapProblem]:
    seen: set[str] = set()
    for coll in datamap.collections():
        for f in coll.blob_fields:
            store = f.blob_store
            if store is None or store in seen:
                continue
            seen.add(store)
            origin = datamap.origin_of(coll.address)
            dsn = dsns.get(store)
            if dsn is None:
                yield DataMapProblem(origin, coll.address, f.name, not_configured(store))
                continue
            try:
                open_blob_store(store, dsn)
            except ConfigurationError as exc:
                yield DataMapProblem(origin, coll.address, f.name, str(exc))


def not_configured(source: str) -> str:
    """'source x is not configured (set ...)': how to give a source the data map names."""
    return (
        f"source {source} is not configured (set RIGHTFUL_SOURCES__{source.upper()} "
        "or [sources] in the TOML file)"
    )


def _unusable(origin: str, source: str, reason: str) -> DataMapProblem:
    text = reason if reason.startswith(f"source {source}") else f"source {source}: {reason}"
    return DataMapProblem(origin, None, None, text)
