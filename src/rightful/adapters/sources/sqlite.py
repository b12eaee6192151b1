"""SqliteSource: a SQLite database file, opened read-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from rightful.adapters.sources import readable_sqlite_file
from rightful.adapters.sources.sql import SqlSource, case_variants
from rightful.domain.errors import SourceUnavailableError
from rightful.domain.identities import fold as fold_value
from rightful.domain.sources import Row

SCHEMA_ERRORS = ("no such table", "no such column")


def schema_message(exc: sqlite3.Error) -> str | None:
    """SQLite's "no such table: x" or "no such column: y"; None for any other error."""
    message = str(exc)
    return message if message.startswith(SCHEMA_ERRORS) else None


def _file_identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def _fold(value: Any) -> Any:
    return fold_value(value)


class SqliteSource(SqlSource):
    """Reads one SQLite file through a read-only URI connection."""

    chunk_size = 500
    # Not double quotes: SQLite reads "name" as the string 'name' when no column has that name,
    # so a column missing from the table would come back as its own name in every row.
    quote_char = "`"
    # name and declared type of each column (SQLite keeps the type as declared, or none)
    columns_sql = "SELECT name, type FROM pragma_table_info(?)"
    tables_sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
    # lower(trim(7)) is the text '7', which never equals the number 7 that is looked up
    folds_any_type = False
    dialect_url = "sqlite://"

    def __init__(
        self, name: str, path: Path | str, schema: Mapping[str, Collection[str]] | None = None
    ) -> None:
        super().__init__(name, schema)
        target = readable_sqlite_file(name, path)
        # Read-only at the file level: a collection can never write to the source, nor create
        # it should the file go between the check above and this line.
        try:
            self._conn = sqlite3.connect(
                f"{target.as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise SourceUnavailableError(f"source {name}: cannot open {target} ({exc})") from exc
        self._path, self._file = target, _file_identity(target)
        # SQLite's lower() folds only A-Z; for a value with more case spellings than
        # case_variants sends, the lookup folds in Python instead (a full scan, rarely needed).
        self._conn.create_function("rf_fold", 1, _fold, deterministic=True)

    @cached_property
    def begin_snapshot(self) -> str:  # type: ignore[override]
        """BEGIN in WAL mode, where a read transaction keeps its moment without holding up
        anyone. With a rollback journal it would hold a shared lock on the file, and the
        application writing it would wait for the whole request: each statement reads on
        its own there."""
        (mode,) = next(self.rows("PRAGMA journal_mode", ()))
        return "BEGIN" if str(mode).lower() == "wal" else ""

    def alive(self) -> bool:
        """Whether the path still names the file this connection opened. A file replaced by
        another (a restored backup, a fresh export renamed into place) is read through a new
        connection: this one would go on reading the old file, now nameless, for as long as
        it stays open. A file has no server that could drop the connection otherwise."""
        try:
            return _file_identity(self._path) == self._file
        except OSError:
            return False

    def dbapi_connection(self) -> Any:
        return self._conn

    def command(self, sql: str) -> None:
        try:
            self._conn.execute(sql)
        except sqlite3.Error as exc:
            raise self.read_error(exc, None) from exc

    def folds_only_ascii(self, folded: Any) -> bool:
        return isinstance(folded, str) and len(case_variants(folded)) == 1 and not folded.isascii()

    def unicode_folded(self, expression: str) -> str:
        return f"rf_fold({expression})"

    def rows(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """Stream rows; the sqlite3 cursor already yields tuples."""
        try:
            cursor = self._conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise self.read_error(exc, schema_message(exc)) from exc
        try:
            yield from cursor
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
