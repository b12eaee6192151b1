"""MysqlSource: MySQL or MariaDB through PyMySQL, read-only, unbuffered."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.charset
import pymysql.converters
import pymysql.cursors
from pymysql.constants import FIELD_TYPE

from rightful.adapters.sources.sql import SqlSource
from rightful.domain.errors import ConfigurationError, SourceUnavailableError
from rightful.domain.sources import Row

FETCH_ROWS = 1000
# ER_BAD_FIELD_ERROR (unknown column) and ER_NO_SUCH_TABLE: their messages name schema objects.
SCHEMA_ERRORS = frozenset({1054, 1146})


def connect_args(dsn: str) -> dict[str, Any]:
    """PyMySQL keyword arguments from mysql://user:password@host:port/db?charset=...;
    ValueError, in words that quote nothing of the DSN, when they cannot be read from it."""
    try:
        parts = urlsplit(dsn)
        port = parts.port
    except ValueError:  # its words can quote the DSN: a password holding '/' reads as a port
        raise ValueError(
            "its host or port cannot be read: write it as mysql://user:password@host:3306/"
            "database, with any / ? # @ or : in the user or password percent-encoded"
        ) from None
    charset = parse_qs(parts.query).get("charset", ["utf8mb4"])[0]
    if pymysql.charset.charset_by_name(charset) is None:
        raise ValueError("its charset is not one MariaDB/MySQL knows (utf8mb4, say)")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or None,
        "charset": charset,
    }


def utc_timestamp(text: bytes | str) -> datetime | str:
    """A TIMESTAMP value, which the session (in UTC) writes without its zone, as the instant
    it is: a DATETIME holds no zone and stays without one. A value that is no date and time
    ('0000-00-00 00:00:00') stays text, as PyMySQL leaves it."""
    value = pymysql.converters.convert_datetime(text)
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value


# PyMySQL's conversions, with TIMESTAMP read as a UTC instant.
CONVERSIONS = {**pymysql.converters.conversions, FIELD_TYPE.TIMESTAMP: utc_timestamp}


def schema_message(exc: pymysql.MySQLError) -> str | None:
    """The server's message for an unknown column or table; None for any other error."""
    code, message = (*exc.args, None, None)[:2]
    return str(message) if code in SCHEMA_ERRORS and message else None


class MysqlSource(SqlSource):
    """One autocommit session set READ ONLY; rows streamed with an unbuffered cursor.

    MySQL's usual collations ignore case, accents and trailing spaces; the shared exact
    post-filter removes whatever they let through, so `José` never matches `jose`.
    """

    chunk_size = 500
    quote_char = "`"
    placeholder = "%s"
    begin_snapshot = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
    asked_by_begin = True
    dialect_url = "mysql+pymysql://"
    columns_sql = (
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = %s"
    )
    tables_sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"

    def __init__(
        self, name: str, dsn: str, schema: Mapping[str, Collection[str]] | None = None
    ) -> None:
        super().__init__(name, schema)
        try:
            args = connect_args(dsn)
        except ValueError as exc:
            raise ConfigurationError(f"source {name}: {exc}") from None
        try:
            self._conn = pymysql.connect(autocommit=True, conv=CONVERSIONS, **args)
            with self._conn.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                # TIMESTAMP columns come back in the session's zone, without it; read as UTC,
                # they are right only when that zone is UTC (windows shifted on other servers).
                cursor.execute("SET time_zone = '+00:00'")
        except pymysql.MySQLError as exc:
            raise SourceUnavailableError(f"source {name}: cannot connect") from exc

    def rows(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """Stream rows from an unbuffered cursor, a batch at a time."""
        try:
            with self._conn.cursor(pymysql.cursors.SSCursor) as cursor:
                cursor.execute(sql, tuple(params))
                while batch := cursor.fetchmany(FETCH_ROWS):
                    yield from batch
        except pymysql.MySQLError as exc:
            raise self.read_error(exc, schema_message(exc)) from exc

    def zoned(self, declared: str) -> bool | None:
        # TIMESTAMP is stored in UTC and read in the session's zone (UTC here); DATETIME is
        # whatever was written, with no zone.
        if declared.startswith("timestamp"):
            return True
        if declared.startswith("datetime"):
            return False
        return None

    def dbapi_connection(self) -> Any:
        return self._conn

    def command(self, sql: str) -> None:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql)
        except pymysql.MySQLError as exc:
            raise self.read_error(exc, None) from exc

    def close(self) -> None:
        """Close the connection (ignoring one that already dropped)."""
        if self._conn.open:
            self._conn.close()
