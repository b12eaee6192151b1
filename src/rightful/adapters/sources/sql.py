"""What the SQL connectors share: identifier checks, batched IN lookups, an exact post-filter."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Final

from rightful.domain.datamap import IDENTIFIER
from rightful.domain.errors import (
    ConfigurationError,
    RightfulError,
    SourceSchemaError,
    SourceUnavailableError,
    SourceValueError,
)
from rightful.domain.identities import fold as fold_value
from rightful.domain.sources import RecordSource, Row


@contextmanager
def one_moment(
    records: dict[str, RecordSource], reopen: Callable[[str], RecordSource] | None = None
) -> Iterator[None]:
    """While the block runs, each SQL source of `records` is read as of one moment
    (SqlSource.snapshot); other sources read as they always do. A source whose moment cannot
    begin (its connection no longer answers) is replaced by `reopen(name)` and begun again,
    where there is a `reopen`."""
    with ExitStack() as moments:
        for name, source in list(records.items()):
            if not isinstance(source, SqlSource):
                continue
            try:
                moments.enter_context(source.snapshot())
            except SourceUnavailableError:
                if reopen is None:
                    raise
                records[name] = fresh = reopen(name)
                if isinstance(fresh, SqlSource):
                    moments.enter_context(fresh.snapshot())
        yield


def chunked(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


MAX_CASE_VARIANTS = 64


def case_variants(folded: Any) -> list[Any]:
    """A folded value plus the spellings an ASCII-only SQL lower() leaves in other case.

    SQLite's lower() (and PostgreSQL's under the C collation) only lower-case A-Z, so
    lower(trim('ÄNNA')) is 'Änna'. Sending each non-ASCII letter in both cases keeps the
    folded lookup complete and index-served; the Python post-filter still decides.
    """
    if not isinstance(folded, str) or folded.isascii():
        return [folded]
    variants = [""]
    for char in folded:
        options = (
            [char]
            if char.isascii()
            else sorted(
                {c for c in (char, char.upper(), char.title()) if len(c) == 1 and c.lower() == char}
            )
        )
        variants = [v + o for v in variants for o in options]
        if len(variants) > MAX_CASE_VARIANTS:
            return [folded]
    return variants


def distinct(values: Iterable[Any], fold: bool) -> list[Any]:
    """The values to send, without None and repeats (folded when the comparison folds)."""
    seen: dict[Any, None] = {}
    for value in values:
        if value is not None:
            seen[fold_value(value) if fold else value] = None
    return list(seen)


class SqlSource:
    """Base of SqliteSource, PostgresSource and MysqlSource; subclasses say how to run a query.

    The database does a first, index-served selection (`key IN (...)` or
    `lower(trim(key)) IN (...)`); every row is then checked again in Python for exact
    equality, so collations that ignore case, accents or trailing spaces cannot widen a match.
    """

    chunk_size = 500
    quote_char = '"'
    placeholder = "?"
    # The statement that opens a read-only transaction seeing one moment of the database;
    # "" where there is none to open (each statement then reads the moment it runs).
    begin_snapshot = ""
    # Whether lower(trim(col)) compares a column of any type (False: of text only; PostgreSQL
    # refuses it for a number column, SQLite finds no number in it).
    folds_any_type = True
    # Whether that statement goes to a server, which would say then that the connection no
    # longer answers: a pool need not ask alive() first (a round trip per request saved).
    asked_by_begin = False

    def __init__(self, name: str, schema: Mapping[str, Collection[str]] | None = None) -> None:
        self.name = name
        self._schema = {t: frozenset(c) for t, c in schema.items()} if schema else None
        self._in_snapshot = False
        self._unfinished = False  # a transaction that could not be ended: never reuse

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read in the block sees the database as it was at the block's first read, so
        a collection reads a device's ownership windows and the recordings they cover as of
        the same moment (a resale committed in between is not half seen). A nested block
        shares the outer one. When the block fails, the transaction is left open: the caller
        closes the connection (SourcePool does). The end of a block whose reads all succeeded
        cannot fail it: the transaction wrote nothing; a connection whose transaction could
        not be ended is not fit_for_reuse(), so a pool replaces it."""
        begin = self.begin_snapshot
        if self._in_snapshot or not begin:
            yield
            return
        self.command(begin)
        self._in_snapshot = True
        try:
            yield
        finally:
            self._in_snapshot = False
        try:
            self.command("COMMIT")
        except SourceUnavailableError:
            self._unfinished = True

    def command(self, sql: str) -> None:
        """Run one statement that returns no rows (a transaction's begin or end)."""
        raise NotImplementedError

    # -- the port ------------------------------------------------------------------------
    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        """Rows whose `key` equals (or, folded, folds to) one of `values`; see RecordSource."""
        self._check(collection, columns, key)
        wanted = distinct(values, fold)
        if not wanted:
            return iter(())
        return self._lookup(collection, columns, key, wanted, fold)

    def _lookup(
        self, collection: str, columns: Sequence[str], key: str, wanted: list[Any], fold: bool
    ) -> Iterator[Row]:
        position = list(columns).index(key)
        accepted = set(wanted)
        target = self.folded(self.quote(key)) if fold else self.quote(key)
        beyond = [w for w in wanted if self.folds_only_ascii(w)] if fold else []
        sent = [v for w in wanted if w not in beyond for v in case_variants(w)] if fold else wanted
        queries = [(target, sent)]
        if beyond:  # each value asked by one query only, so that no row comes twice
            queries.append((self.unicode_folded(self.quote(key)), beyond))
        for where, values in queries:
            for chunk in chunked(values, self.chunk_size):
                sql = self._in_query(collection, columns, where, len(chunk))
                for row in self.read(collection, sql, chunk):
                    value = row[position]
                    if (fold_value(value) if fold else value) in accepted:
                        yield row

    def folds_only_ascii(self, folded: Any) -> bool:
        """Whether this database's lower() cannot find `folded`: a dialect whose lower() folds
        only A-Z says so for values with more case spellings than case_variants sends."""
        return False

    def unicode_folded(self, expression: str) -> str:
        """A comparison that folds all of Unicode (where folds_only_ascii says it is needed)."""
        return self.folded(expression)

    def fetch(
        self,
        collection: str,
        columns: Sequence[str],
        key_fields: Sequence[str],
        keys: Collection[tuple[Any, ...]],
    ) -> Iterator[Row]:
        """Rows by primary key; one-field keys go through lookup, composite keys through ORs."""
        if len(key_fields) == 1:
            yield from self.lookup(collection, columns, key_fields[0], [k[0] for k in keys])
            return
        self._check(collection, columns, *key_fields)
        positions = [list(columns).index(k) for k in key_fields]
        accepted = {tuple(k) for k in keys}
        for chunk in chunked(sorted(accepted, key=repr), max(1, self.chunk_size // 4)):
            sql, params = self._composite_query(collection, columns, key_fields, chunk)
            for row in self.read(collection, sql, params):
                if tuple(row[p] for p in positions) in accepted:
                    yield row

    # How a probe's query reads no rows.
    no_rows = "WHERE 1=0"

    def probe(self, collection: str, columns: Sequence[str]) -> None:
        """Name the table and columns in a query that reads no rows (`no_rows`); see
        RecordSource. Without columns, only the table is named."""
        self._check(collection, columns)
        select = self._select_list(collection, columns) or "1"
        sql = f"SELECT {select} FROM {self.quote(collection)} {self.no_rows}"
        for _ in self.read(collection, sql, ()):
            pass

    # The query listing a table's columns with their declared types, one parameter: the table.
    columns_sql = ""

    def column_types(self, collections: Collection[str]) -> dict[str, dict[str, str]]:
        """The declared type of each column of each table, lower case, by table; a table
        whose columns the source does not tell (or does not hold) is left out. One statement
        per table here; a subclass may ask for all at once."""
        for collection in collections:
            self._check(collection, ())
        if not self.columns_sql:
            return {}
        found = {c: self._types(self.rows(self.columns_sql, (c,))) for c in collections}
        return {c: types for c, types in found.items() if types}

    @staticmethod
    def _types(rows: Iterable[Row]) -> dict[str, str]:
        return {str(name): str(kind or "").lower() for name, kind in rows}

    # The query listing the tables and views the queries can name, without parameters.
    tables_sql = ""

    def table_names(self) -> list[str]:
        """The tables and views this source's queries can name ([] when unknown)."""
        if not self.tables_sql:
            return []
        return [str(name) for (name,) in self.rows(self.tables_sql, ())]

    def zoned(self, declared: str) -> bool | None:
        """Whether a column of this declared type (as column_types gives it) holds times with
        their zone (True) or without one (False); None when the type does not say."""
        return None

    # The SQLAlchemy dialect that reads this database's catalog on dbapi_connection()
    # (adapters/sources/reflection.py: `rightful datamap draft`).
    dialect_url = ""

    def dbapi_connection(self) -> Any:
        """The driver's connection, opened read-only as every query of this source is."""
        raise NotImplementedError

    def close(self) -> None:
        """Subclasses release their connection."""

    def fit_for_reuse(self) -> bool:
        """What a pool asks before lending the connection to another request: that its last
        moment ended, and that it is alive(), unless the request's BEGIN asks the server
        anyway."""
        if self._unfinished:
            return False
        return self.asked_by_begin or self.alive()

    def alive(self) -> bool:
        """Whether the connection still answers a trivial query."""
        try:
            for _ in self.rows("SELECT 1", ()):
                pass
        except SourceUnavailableError:
            return False
        return True

    # -- helpers for subclasses ----------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """Run one parameterised SELECT and stream its rows as tuples."""
        raise NotImplementedError

    def read(self, collection: str, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """rows() of a statement that reads `collection`: when the source cannot read it,
        unreadable() may tell why from the collection."""
        try:
            yield from self.rows(sql, params)
        except SourceUnavailableError as exc:
            raise self.unreadable(collection, exc) from exc.__cause__

    def unreadable(self, collection: str, exc: SourceUnavailableError) -> RightfulError:
        """What a statement that could not read `collection` raises (the driver's error is
        exc.__cause__); here `exc` itself, a subclass may name a cause it can look up."""
        return exc

    def read_error(self, exc: Exception, schema_message: str | None) -> RightfulError:
        """What a failed query raises: SourceSchemaError carrying the driver's message when the
        driver says a table or column is missing (`schema_message`, which subclasses extract
        only from errors that name schema objects), else SourceUnavailableError naming only the
        driver's error type, since other messages can quote values."""
        if schema_message is not None:
            return SourceSchemaError(self.name, schema_message)
        if type(exc).__name__ == "DatabaseError" and "not a database" in str(exc):
            return SourceUnavailableError(f"source {self.name}: the file is not a SQLite database")
        if type(exc).__name__ == "DataError":  # the source answered; a value it sent is unreadable
            return SourceValueError(self.name)
        return SourceUnavailableError(f"source {self.name}: {type(exc).__name__}")

    def quote(self, identifier: str) -> str:
        """The identifier quoted for this dialect (it was validated before)."""
        return f"{self.quote_char}{identifier}{self.quote_char}"

    def folded(self, expression: str) -> str:
        """The normalising comparison that an expression index lower(trim(col)) serves."""
        return f"lower(trim({expression}))"

    def _in_query(self, collection: str, columns: Sequence[str], target: str, count: int) -> str:
        marks = ", ".join([self.placeholder] * count)
        return (
            f"SELECT {self._select_list(collection, columns)} FROM {self.quote(collection)} "
            f"WHERE {target} IN ({marks})"
        )

    def _composite_query(
        self,
        collection: str,
        columns: Sequence[str],
        key_fields: Sequence[str],
        chunk: Sequence[tuple[Any, ...]],
    ) -> tuple[str, list[Any]]:
        one = " AND ".join(f"{self.quote(k)} = {self.placeholder}" for k in key_fields)
        where = " OR ".join(f"({one})" for _ in chunk)
        params = [value for key in chunk for value in key]
        select = self._select_list(collection, columns)
        return f"SELECT {select} FROM {self.quote(collection)} WHERE {where}", params

    def _select_list(self, collection: str, columns: Sequence[str]) -> str:
        return ", ".join(self.quote(c) for c in columns)

    def _check(self, collection: str, columns: Sequence[str], *keys: str) -> None:
        names = [collection, *columns, *keys]
        bad = [n for n in names if not isinstance(n, str) or not IDENTIFIER.match(n)]
        if bad:
            raise ConfigurationError(f"source {self.name}: not a plain identifier: {bad[0]!r}")
        if any(k not in columns for k in keys):
            raise ConfigurationError(f"source {self.name}: key columns must be selected")
        if self._schema is None:
            return
        allowed = self._schema.get(collection)
        if allowed is None:
            raise ConfigurationError(f"source {self.name}: {collection} is not in the data map")
        unknown = [c for c in columns if c not in allowed]
        if unknown:
            raise ConfigurationError(
                f"source {self.name}: {collection}.{unknown[0]} is not in the data map"
            )


# Word prefixes of declared SQL types (SQLite, PostgreSQL, MariaDB), by what their values are.
_FAMILIES: Final = (
    ("number", ("int", "bigint", "smallint", "tinyint", "mediumint", "serial", "bigserial",
                "smallserial", "numeric", "decimal", "dec", "real", "double", "float")),
    ("time", ("timestamp", "datetime", "date", "time")),
    ("uuid", ("uuid",)),
    ("bool", ("bool",)),
    ("binary", ("blob", "bytea", "binary", "varbinary")),
    ("text", ("char", "varchar", "nchar", "nvarchar", "character", "text", "tinytext",
              "mediumtext", "longtext", "clob", "string", "enum")),
)  # fmt: skip


def type_family(declared: str) -> str | None:
    """What a column's values compare as: number, text, time, uuid, bool or binary; None when
    the declared type says nothing to go by (SQLite allows none at all)."""
    words = re.findall(r"[a-z]+", declared.lower())
    if not words or words[0] == "interval":
        return None
    for family, marks in _FAMILIES:
        if any(word.startswith(mark) for word in words for mark in marks):
            return family
    return None
