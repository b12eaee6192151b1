"""`rightful datamap check --live`: does every source have the tables and columns the map names?

Each collection is probed with its declared columns by a query that reads no rows; when the
source lacks something, the table and then each column are probed alone, so every missing name
gets its own line, as does a collection on a PostgreSQL materialized view that was never
populated (no query can read it until it is refreshed; its columns are checked all the same).
The declared column types are asked once per source. The two ends of each reference must
hold values of one kind (a text column joined to an integer one fails on PostgreSQL, and across
sources matches nothing). Blob stores must be folders that can be read. A validity window
whose columns mix times with a zone and times without one is a warning: it is right only while
the zoneless ones hold UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from rightful.adapters.sources import (
    BLOB_SCHEMES,
    open_blob_store,
    open_source,
    plain_dsns,
    scheme_of,
)
from rightful.adapters.sources.sql import SqlSource, type_family
from rightful.domain.datamap import DataCollection, DataField, DataMap, Dataset, Match, Reference
from rightful.domain.datamap_checks import DataMapProblem
from rightful.domain.errors import (
    ConfigurationError,
    SourceNotPopulatedError,
    SourceSchemaError,
    SourceUnavailableError,
)
from rightful.domain.sources import RecordSource


@dataclass
class LiveCheck:
    """What `--live` found: problems fail the check, warnings are printed beside an ok."""

    problems: list[DataMapProblem] = field(default_factory=list)
    warnings: list[DataMapProblem] = field(default_factory=list)


def check_live(datamap: DataMap, dsns: Mapping[str, SecretStr | str]) -> LiveCheck:
    """One problem per missing table, missing column, unreachable source or unreadable
    folder; one warning per window that mixes times with and without a zone."""
    plain = plain_dsns(dsns)
    found = LiveCheck()
    columns = Columns()
    for source in datamap.sources:
        found.problems.extend(_source_problems(datamap, source, plain.get(source), columns))
    found.problems.extend(_reference_problems(datamap, columns.kinds))
    found.problems.extend(_fold_problems(datamap, columns))
    found.problems.extend(_blob_store_problems(datamap, plain))
    found.warnings.extend(_window_warnings(datamap, columns.zoned))
    return found


# A column, by dataset, collection and field
Column = tuple[str, str, str]


@dataclass
class Columns:
    """What the sources declare of their columns: what the values compare as (type_family),
    and for times, whether they carry their zone (SqlSource.zoned)."""

    kinds: dict[Column, str] = field(default_factory=dict)
    zoned: dict[Column, bool] = field(default_factory=dict)
    # Columns whose source compares lower(trim(col)) for text only (PostgreSQL, SQLite):
    # their kind decides whether a folded comparison finds anything.
    fold_text_only: set[Column] = field(default_factory=set)


def _source_problems(
    datamap: DataMap, source: str, dsn: str | None, columns: Columns
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
        complete: list[tuple[str, DataCollection]] = []
        for d in datamap.datasets:
            if d.source == source:
                for coll in d.collections:
                    problems, names_found = _collection_problems(opened, d.origin, coll)
                    yield from problems
                    if names_found:
                        complete.append((d.key, coll))
        _learn_columns(opened, complete, columns)
    except SourceUnavailableError as exc:
        yield _unusable(dataset.origin, source, str(exc))
    finally:
        opened.close()


def _collection_problems(
    opened: RecordSource, origin: str, coll: DataCollection
) -> tuple[list[DataMapProblem], bool]:
    """The collection's problems, and whether the source holds its table and every column.
    A materialized view never populated is one problem more: its names are still checked,
    since PostgreSQL resolves them before it opens the view."""
    where = f"in source {opened.name}"
    found, unpopulated = _holds(opened, coll.name, coll.field_names)
    problems: list[DataMapProblem] = []
    if not found:
        has_table, unpopulated = _holds(opened, coll.name, ())
        problems.extend(_missing(opened, origin, coll, where, has_table))
    if unpopulated is not None:
        text = _not_populated(coll, unpopulated, where)
        problems.append(DataMapProblem(origin, coll.address, None, text))
    return problems, found


def _holds(
    opened: RecordSource, collection: str, columns: tuple[str, ...]
) -> tuple[bool, SourceNotPopulatedError | None]:
    """Whether the source holds the table and columns (a query naming them reads no row), and
    the view it could not open because it was never populated."""
    try:
        opened.probe(collection, columns)
    except SourceNotPopulatedError as exc:
        return True, exc
    except SourceSchemaError:
        return False, None
    return True, None


def _missing(
    opened: RecordSource, origin: str, coll: DataCollection, where: str, has_table: bool
) -> Iterator[DataMapProblem]:
    """A line for the table when the source lacks it, else one per column it lacks."""
    sql = opened if isinstance(opened, SqlSource) else None
    if not has_table:
        hint = _spelled(coll.name, sql.table_names() if sql is not None else [])
        yield DataMapProblem(origin, coll.address, None, f"no table {coll.name} {where}{hint}")
        return
    held = list(sql.column_types([coll.name]).get(coll.name, {})) if sql is not None else []
    for name in coll.field_names:
        if not _holds(opened, coll.name, (name,))[0]:
            hint = _spelled(name, held)
            yield DataMapProblem(origin, coll.address, name, f"no column {name} {where}{hint}")


def _not_populated(coll: DataCollection, exc: SourceNotPopulatedError, where: str) -> str:
    """The line for a collection on (or over) a materialized view created WITH NO DATA."""
    what = f"reads materialized view {exc.view}"
    if exc.view == coll.name:
        what = "is a materialized view"
    return (
        f"{coll.name} {where} {what} that has not been populated: run `{exc.refresh}`; until "
        "then no request can be answered from this collection"
    )


def _spelled(name: str, held: list[str]) -> str:
    """What the database holds under the name in another case: PostgreSQL keeps a name
    created unquoted in lower case, and compares quoted names as written."""
    others = sorted(h for h in held if h != name and h.casefold() == name.casefold())
    if not others:
        return ""
    return f" (it has {' and '.join(others)}: write the name in the case the database holds)"


def _learn_columns(
    opened: RecordSource, collections: list[tuple[str, DataCollection]], columns: Columns
) -> None:
    """What the collections' columns hold (each with its dataset's key), where their source
    tells declared types: asked once for them all."""
    if not isinstance(opened, SqlSource) or not collections:
        return
    declared_types = opened.column_types({coll.name for _, coll in collections})
    for dataset, coll in collections:
        for name, declared in declared_types.get(coll.name, {}).items():
            column = (dataset, coll.name, name)
            family = type_family(declared)
            if family is not None:
                columns.kinds[column] = family
                if not opened.folds_any_type:
                    columns.fold_text_only.add(column)
            zoned = opened.zoned(declared)
            if zoned is not None:
                columns.zoned[column] = zoned


def _window_warnings(datamap: DataMap, zoned: dict[Column, bool]) -> Iterator[DataMapProblem]:
    for d, coll, f, ref in _references(datamap):
        window = ref.window
        if window is None:
            continue
        there = (ref.target.dataset, ref.target.collection)
        ends = [((d.key, coll.name), window.at), (there, window.valid_from)]
        if window.valid_until is not None:
            ends.append((there, window.valid_until))
        known = {name: zoned[(*where, name)] for where, name in ends if (*where, name) in zoned}
        if len(set(known.values())) < 2:
            continue
        with_zone = [n for n, z in known.items() if z]
        without = [n for n, z in known.items() if not z]
        yield DataMapProblem(d.origin, coll.address, f.name, (
            f"its window compares {' and '.join(with_zone)} (a time with its zone) with "
            f"{' and '.join(without)} (without one, read as UTC): should those be local times, "
            "every window shifts by the offset and a record goes to the holder before or after; "
            "give the columns one kind (all with a zone, or all in UTC without)"
        ))  # fmt: skip


def _reference_problems(datamap: DataMap, kinds: dict[Column, str]) -> Iterator[DataMapProblem]:
    for d, coll, f, ref in _references(datamap):
        here = kinds.get((d.key, coll.name, f.name))
        there = kinds.get((ref.target.dataset, ref.target.collection, ref.target.field))
        if here is not None and there is not None and here != there:
            yield DataMapProblem(d.origin, coll.address, f.name, (
                f"holds {here} values but refers to {ref.target.collection_address}."
                f"{ref.target.field}, which holds {there}: make both columns one "
                "type (a join between them fails or matches nothing)"
            ))  # fmt: skip


def _fold_problems(datamap: DataMap, columns: Columns) -> Iterator[DataMapProblem]:
    """A column compared folded, lower(trim(col)), that holds no text where its database
    cannot compare it so: PostgreSQL failed every build on a number column, and SQLite found
    none of its numbers (the rows were silently not collected)."""
    folded: dict[Column, tuple[Dataset, DataCollection, DataField]] = {}
    for d in datamap.datasets:
        for coll in d.collections:
            for f in coll.fields:
                if f.match is Match.CASEFOLD:
                    folded[(d.key, coll.name, f.name)] = (d, coll, f)
    for d, coll, f, ref in _references(datamap):
        there = (ref.target.dataset, ref.target.collection, ref.target.field)
        if there in folded:  # the other end folds: so does the lookup of this one
            folded.setdefault((d.key, coll.name, f.name), (d, coll, f))
        elif f.match is Match.CASEFOLD:  # and the walk back looks the other end up folded
            tc = datamap.collection(ref.target.collection_address)
            tf = tc.field(ref.target.field) if tc is not None else None
            td = next((x for x in datamap.datasets if x.key == ref.target.dataset), None)
            if td is not None and tc is not None and tf is not None:
                folded[there] = (td, tc, tf)
    for column, (d, coll, f) in folded.items():
        kind = columns.kinds.get(column)
        if kind is not None and kind != "text" and column in columns.fold_text_only:
            yield DataMapProblem(d.origin, coll.address, f.name, (
                f"is compared folded (match: casefold, here or at the other end of its "
                f"reference) but holds {kind} values, which its database does not match folded "
                "(PostgreSQL refuses lower() of them, SQLite finds none): remove match: "
                "casefold, or make the column text"
            ))  # fmt: skip


def _references(
    datamap: DataMap,
) -> Iterator[tuple[Dataset, DataCollection, DataField, Reference]]:
    """Every reference of the map, with the dataset, collection and field it leaves from."""
    for d in datamap.datasets:
        for coll in d.collections:
            for f in coll.fields:
                for ref in f.references:
                    yield d, coll, f, ref


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
