"""SQLite connections whose writers wait for their turn in short steps.

SQLite lets one connection write at a time. A connection that finds another writing waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10 ms and more between tries: with two processes
answering requests against one store, about 4.5 ms of every 20 ms request went into those
sleeps, although the other writer's turn lasted well under a millisecond.

Here the first write of a transaction (the statement that takes the write lock) is tried
without SQLite's waiting; while another connection writes, it is tried again after 0.1 ms,
then after twice as long each time, up to 2 ms between tries, and for as long as the busy
timeout in all. Nothing has been written when it fails for that reason: the transaction Python
opened for it is rolled back and opened again with the next try. Every other statement waits in
SQLite as before.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Final, TypeVar

T = TypeVar("T")

FIRST_PAUSE: Final = 0.0001
LONGEST_PAUSE: Final = 0.002
# What makes Python's sqlite3 module open a transaction (its default, "legacy" control).
_WRITES: Final = ("INSERT", "UPDATE", "DELETE", "REPLACE")

Parameters = Sequence[Any] | Mapping[str, Any]


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection (`sqlite3.connect(..., factory=TurnTakingConnection)`) whose
    cursors take the write turn as described above, within the connection's busy timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timeout_ms = int(super().execute("PRAGMA busy_timeout").fetchone()[0])

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or TurnTakingCursor)

    # The module's own shortcuts make their cursor without calling cursor().
    def execute(self, sql: str, parameters: Parameters = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Parameters], /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def first_write(self, run: Callable[[], T]) -> T:
        """Run the statement that takes the write lock, trying again while another writes."""
        super().execute("PRAGMA busy_timeout = 0")
        try:
            return _retry_while_busy(self, run, self._timeout_ms / 1000)
        finally:
            super().execute(f"PRAGMA busy_timeout = {self._timeout_ms}")


class TurnTakingCursor(sqlite3.Cursor):
    """Executes a transaction's first write through TurnTakingConnection.first_write."""

    connection: TurnTakingConnection

    def execute(self, sql: str, parameters: Parameters = (), /) -> sqlite3.Cursor:
        if self.connection.in_transaction or not _is_write(sql):
            return super().execute(sql, parameters)
        return self.connection.first_write(partial(sqlite3.Cursor.execute, self, sql, parameters))

    def executemany(self, sql: str, seq_of_parameters: Iterable[Parameters], /) -> sqlite3.Cursor:
        if self.connection.in_transaction or not _is_write(sql):
            return super().executemany(sql, seq_of_parameters)
        rows = list(seq_of_parameters)  # a second try needs them again
        return self.connection.first_write(partial(sqlite3.Cursor.executemany, self, sql, rows))


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


def _retry_while_busy(connection: sqlite3.Connection, run: Callable[[], T], seconds: float) -> T:
    deadline = time.monotonic() + seconds
    pause = FIRST_PAUSE
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if _busy_code(exc) != sqlite3.SQLITE_BUSY:
                raise
            if connection.in_transaction:  # opened for this statement, and still empty
                connection.rollback()
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def _busy_code(exc: sqlite3.OperationalError) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # extended codes keep the primary one below
