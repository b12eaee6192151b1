"""PostgresSource: PostgreSQL through psycopg 3, read-only, batched IN lookups, streamed rows."""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Final

import psycopg
import psycopg.types.json
from psycopg.adapt import Loader
from psycopg.pq import Format, TransactionStatus

from rightful.adapters.sources.sql import SqlSource
from rightful.domain.errors import RightfulError, SourceNotPopulatedError, SourceUnavailableError
from rightful.domain.sources import Row

# Rows come from the server in pieces of this size (libpq chunked-rows mode), so memory stays
# flat however many rows one lookup returns.
STREAM_ROWS = 2000


def schema_message(exc: psycopg.Error) -> str | None:
    """The server's one-line message for SQLSTATE class 42 (undefined table or column, no
    privilege on it): those name schema objects. Other classes, such as 22 (data exceptions),
    can quote values and yield None."""
    if exc.sqlstate is None or not exc.sqlstate.startswith("42"):
        return None
    return exc.diag.message_primary or type(exc).__name__


# A name PostgreSQL holds as written when it is left unquoted.
UNQUOTED_NAME = re.compile(r"[a-z_][a-z0-9_$]*")
# SQLSTATE object_not_in_prerequisite_state: what reading a materialized view created WITH NO
# DATA fails with, among other causes; the catalog (UNPOPULATED_SQL) tells which it was.
NOT_IN_PREREQUISITE_STATE = "55000"
# The materialized views never populated that reading a relation opens: itself, or those
# under the plain views it reads, through each view's rule (a populated materialized view is
# read as it is stored, so nothing under it is opened). Each view's schema, name, and whether
# the search_path finds it unqualified. The parameter is the quoted relation name, found on
# the search_path as the queries find it.
UNPOPULATED_SQL = (
    "WITH RECURSIVE reads(oid, kind) AS ("
    "SELECT oid, relkind FROM pg_class WHERE oid = to_regclass(%s) "
    "UNION SELECT c.oid, c.relkind FROM reads "
    "JOIN pg_rewrite r ON r.ev_class = reads.oid "
    "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid "
    "AND d.refclassid = 'pg_class'::regclass "
    "JOIN pg_class c ON c.oid = d.refobjid WHERE reads.kind = 'v') "
    "SELECT n.nspname, c.relname, pg_table_is_visible(c.oid) FROM reads "
    "JOIN pg_class c ON c.oid = reads.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'm' AND NOT c.relispopulated ORDER BY n.nspname, c.relname"
)


def quoted(name: str) -> str:
    """A name as a statement must write it: quoted where PostgreSQL would fold it."""
    return name if UNQUOTED_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def refresh_statement(view: str, schema: str | None = None) -> str:
    """REFRESH MATERIALIZED VIEW naming `view` (in `schema`, when given), quoted where its
    name must be."""
    name = quoted(view) if schema is None else f"{quoted(schema)}.{quoted(view)}"
    return f"REFRESH MATERIALIZED VIEW {name}"


# A table's columns and their types; the parameter is the quoted table name, found on the
# search_path as the queries find it. A domain is followed down to its base type, which is what
# the server sends a value as (a domain over bigint comes as a bigint).
ATTRIBUTES_SQL = (
    "WITH RECURSIVE col(attname, typid) AS ("
    "SELECT attname, atttypid FROM pg_attribute "
    "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
    "UNION ALL SELECT col.attname, t.typbasetype FROM col "
    "JOIN pg_type t ON t.oid = col.typid WHERE t.typtype = 'd') "
    "SELECT col.attname, col.typid, t.typcategory = 'A' FROM col "
    "JOIN pg_type t ON t.oid = col.typid WHERE t.typtype <> 'd'"
)
# information_schema leaves materialized views out, so each query below adds theirs from
# pg_catalog (relkind 'm'), readable by the user as information_schema's rows are, populated or
# not. A column's type is written as information_schema.columns.data_type writes it (a domain
# as the built-in type under it, an array as ARRAY, an enum as USER-DEFINED), so the live check
# compares a materialized view's columns as a table's. The one parameter, the tables' names
# (text[]), is `asked` in both halves: one statement for all the collections of a source.
COLUMNS_SQL = (
    "WITH asked AS (SELECT unnest(%s::text[]) AS name) "
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name IN (SELECT name FROM asked) "
    "UNION ALL SELECT c.relname, a.attname, CASE WHEN b.typelem <> 0 AND b.typlen = -1 "
    "THEN 'ARRAY' WHEN b.typnamespace = 'pg_catalog'::regnamespace THEN format_type(b.oid, NULL) "
    "ELSE 'USER-DEFINED' END "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid "
    "JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
    "WHERE c.relkind = 'm' AND n.nspname = current_schema() "
    "AND c.relname IN (SELECT name FROM asked) AND a.attnum > 0 AND NOT a.attisdropped "
    "AND has_column_privilege(c.oid, a.attnum, 'SELECT')"
)
TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = ANY (current_schemas(false)) "
    "UNION ALL SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'm' AND n.nspname = ANY (current_schemas(false)) "
    "AND has_any_column_privilege(c.oid, 'SELECT')"
)
# interval and interval[]: psycopg reads a month as 30 days and a year as 365, so '1 year 2 mons'
# became 428 days; their text is what the database holds.
INTERVALS: Final = frozenset({1186, 1187})


class Float4Loader(Loader):
    """A `real` as the shortest decimal that is the same float4, as PostgreSQL prints it: read
    as a double, 1.1 was 1.100000023841858 in the package."""

    format = Format.BINARY

    def load(self, data: Any) -> float:
        (value,) = struct.unpack("!f", bytes(data))
        if not math.isfinite(value):
            return float(value)
        for digits in range(1, 10):
            shortest = float(f"{value:.{digits}g}")
            try:
                if struct.unpack("!f", struct.pack("!f", shortest))[0] == value:
                    return shortest
            except OverflowError:  # rounded past the largest float4
                continue
        return float(value)


def json_text(data: bytes) -> str:
    """A json or jsonb value as its text (what psql prints), not parsed."""
    return data.decode("utf-8")


def read_only_options(dsn: str) -> str:
    """The DSN's own `options` (a search_path naming the schema of the tables, say) with
    every transaction made read-only after them: psycopg's keyword would replace them."""
    try:
        own = psycopg.conninfo.conninfo_to_dict(dsn).get("options")
    except psycopg.Error:
        own = None  # psycopg.connect names the DSN's mistake
    read_only = "-c default_transaction_read_only=on"
    return f"{own} {read_only}" if own else read_only


class PostgresSource(SqlSource):
    """One autocommit connection whose every transaction is READ ONLY; binary results."""

    # IN lists of placeholders beat `= ANY(array)` for the short lists a subject produces, and
    # psycopg prepares a statement once it has run a few times.
    chunk_size = 1000
    placeholder = "%s"
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    asked_by_begin = True
    folds_any_type = False
    dialect_url = "postgresql+psycopg://"
    tables_sql = TABLES_SQL
    # The planner answers `WHERE 1=0` without opening the table, so a probe passed over a
    # materialized view that was never populated; LIMIT 0 opens it and still reads no row.
    no_rows = "LIMIT 0"

    def __init__(
        self, name: str, dsn: str, schema: Mapping[str, Collection[str]] | None = None
    ) -> None:
        super().__init__(name, schema)
        self._as_text: dict[str, dict[str, str]] = {}
        try:
            self._conn = psycopg.connect(dsn, autocommit=True, options=read_only_options(dsn))
        except psycopg.Error as exc:
            raise SourceUnavailableError(f"source {name}: cannot connect") from exc
        # json and jsonb come as the server writes them: parsed, they became Python objects
        # that a package wrote as their repr ({'n': 1.1}), their decimals cut to floats.
        psycopg.types.json.set_json_loads(json_text, self._conn)
        self._conn.adapters.register_loader("float4", Float4Loader)

    def _select_list(self, collection: str, columns: Sequence[str]) -> str:
        as_text = self._read_as_text(collection)
        return ", ".join(
            f"{self.quote(c)}::{as_text[c]}" if c in as_text else self.quote(c) for c in columns
        )

    def _read_as_text(self, collection: str) -> dict[str, str]:
        """The table's columns of a type psycopg cannot read in binary (an enum, citext, xml,
        money, bit, point...), each with the type it is selected as: `text`, or `text[]` for
        an array of them (a JSON array in the package, not '{sad,happy}'). Binary they came as
        the bytes of the wire format, never equal to a text value (a citext address found
        nobody) and written to the package as base64. An interval is read as its text too.
        Asked once per table and connection."""
        known = self._as_text.get(collection)
        if known is not None:
            return known
        found = list(self.rows(ATTRIBUTES_SQL, (self.quote(collection),)))
        as_text = {
            str(name): "text[]" if array else "text"
            for name, oid, array in found
            if int(oid) in INTERVALS
            or self._conn.adapters.get_loader(int(oid), Format.BINARY) is None
        }
        if found:  # a table that is not there (yet) is asked again next time
            self._as_text[collection] = as_text
        return as_text

    def rows(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """Stream rows as tuples, a chunk at a time from the server."""
        try:
            with self._conn.cursor(binary=True) as cursor:
                yield from cursor.stream(sql, params, size=STREAM_ROWS)
        except psycopg.Error as exc:
            raise self.read_error(exc, schema_message(exc)) from exc

    def column_types(self, collections: Collection[str]) -> dict[str, dict[str, str]]:
        """As SqlSource's, in one statement for all of them."""
        for collection in collections:
            self._check(collection, ())
        found: dict[str, dict[str, str]] = {}
        for table, name, kind in self.rows(COLUMNS_SQL, (list(collections),)):
            found.setdefault(str(table), {})[str(name)] = str(kind or "").lower()
        return found

    def unreadable(self, collection: str, exc: SourceUnavailableError) -> RightfulError:
        """As SqlSource's, and SourceNotPopulatedError naming the materialized view that a
        statement reading `collection` could not open because it was never refreshed: known
        by the SQLSTATE and the catalog, whatever language the server writes its messages in."""
        cause = exc.__cause__
        if not isinstance(cause, psycopg.Error) or cause.sqlstate != NOT_IN_PREREQUISITE_STATE:
            return exc
        if self._conn.info.transaction_status == TransactionStatus.INERROR:
            # The failure aborted the moment's transaction, which ends with it (the caller
            # closes the connection): the catalog is asked outside it.
            self.command("ROLLBACK")
        unpopulated = list(self.rows(UNPOPULATED_SQL, (self.quote(collection),)))
        if not unpopulated:
            return exc
        schema, view, visible = unpopulated[0]
        if visible:
            return SourceNotPopulatedError(self.name, view, refresh_statement(view))
        name = f"{schema}.{view}"
        return SourceNotPopulatedError(self.name, name, refresh_statement(view, schema))

    def zoned(self, declared: str) -> bool | None:
        if declared.startswith(("timestamp", "time ")):
            return "with time zone" in declared
        return None

    def dbapi_connection(self) -> Any:
        return self._conn

    def command(self, sql: str) -> None:
        try:
            self._conn.execute(sql)
        except psycopg.Error as exc:
            raise self.read_error(exc, None) from exc

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
